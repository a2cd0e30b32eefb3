using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Alle.IntegrationTests.BadInput;
using Alle.Testing;

namespace Alle.IntegrationTests.ApiDocumentation;

/// <summary>
/// Every service's API contract is checked in (<c>docs/openapi/&lt;service&gt;.json</c>): a change to an endpoint, a
/// request or a response shows up as a diff in review. To accept a change, regenerate the documents with
/// <c>ALLE_UPDATE_OPENAPI=1 dotnet test Tests/Alle.IntegrationTests --filter FullyQualifiedName~OpenApiContract</c>.
/// </summary>
public sealed partial class OpenApiContractTests
{
    public static TheoryData<string> Services => new(InMemoryService.Names);

    [Theory]
    [MemberData(nameof(Services))]
    public async Task The_checked_in_document_is_the_one_the_service_serves(string service)
    {
        var served = await ServedDocumentAsync(service);
        var path = Repository.PathOf("docs", "openapi", $"{service}.json");
        if (Environment.GetEnvironmentVariable("ALLE_UPDATE_OPENAPI") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllTextAsync(path, served);
        }

        Assert.True(File.Exists(path), $"docs/openapi/{service}.json is missing: generate it with ALLE_UPDATE_OPENAPI=1.");
        var checkedIn = (await File.ReadAllTextAsync(path)).ReplaceLineEndings("\n");
        Assert.True(checkedIn == served,
            $"{service}'s API no longer matches docs/openapi/{service}.json. If the change is intended, regenerate the document " +
            "with ALLE_UPDATE_OPENAPI=1 and review its diff; otherwise the change broke the contract.");
    }

    [Theory]
    [MemberData(nameof(Services))]
    public async Task Every_endpoint_the_service_maps_is_documented_with_a_summary_and_its_responses(string service)
    {
        var paths = JsonNode.Parse(await ServedDocumentAsync(service))!["paths"]!.AsObject();
        var endpoints = MappedEndpoints.Of(service)
            .Where(e => e.Method != "PAGE" && !IsInfrastructure(e.Route))
            .ToList();
        Assert.NotEmpty(endpoints);

        var missing = new List<string>();
        foreach (var endpoint in endpoints)
        {
            var operation = paths[DocumentedPath(endpoint.Route)]?[endpoint.Method.ToLowerInvariant()];
            if (operation is null)
            {
                missing.Add($"{endpoint}: not in the document");
            }
            else if (string.IsNullOrWhiteSpace(operation["summary"]?.GetValue<string>()))
            {
                missing.Add($"{endpoint}: no summary");
            }
            else if (operation["responses"]?.AsObject().Count is null or 0)
            {
                missing.Add($"{endpoint}: no documented response");
            }
        }
        Assert.True(missing.Count == 0, string.Join(Environment.NewLine, missing));
    }

    [Fact]
    public async Task Admin_operations_name_their_credential_and_its_refusals()
    {
        var document = JsonNode.Parse(await ServedDocumentAsync("audiences"))!;
        var create = document["paths"]!["/api/audiences"]!["post"]!;

        Assert.Equal("adminKey", create["security"]![0]!.AsObject().Single().Key);
        Assert.NotNull(document["components"]!["securitySchemes"]!["adminKey"]);
        foreach (var status in new[] { "400", "401", "403", "413" })
        {
            Assert.NotNull(create["responses"]![status]!["content"]!["application/problem+json"]);
        }
    }

    private static async Task<string> ServedDocumentAsync(string service)
    {
        using var host = InMemoryService.Start(service);
        using var client = host.CreateClient();
        var prefix = service == "web" ? "/api/web" : $"/api/{service}";
        using var response = await client.GetAsync($"{prefix}/openapi/v1.json");
        Assert.True(response.IsSuccessStatusCode, $"{service} does not serve its OpenAPI document: {(int)response.StatusCode}.");
        return (await response.Content.ReadAsStringAsync()).ReplaceLineEndings("\n").TrimEnd() + "\n";
    }

    private static bool IsInfrastructure(string route) =>
        route is "/health" or "/alive" || route.Contains("/openapi/", StringComparison.Ordinal) || route.EndsWith("/docs", StringComparison.Ordinal)
        || route.Contains("/docs/", StringComparison.Ordinal);

    /// <summary>A route template as OpenAPI writes it: constraints, defaults, catch-all stars and a trailing slash dropped.</summary>
    private static string DocumentedPath(string route)
    {
        var path = RouteParameter().Replace(route, match => $"{{{match.Groups[1].Value}}}");
        return path.Length > 1 ? path.TrimEnd('/') : path;
    }

    [GeneratedRegex(@"\{\*{0,2}([^}:=?]+)[^}]*\}")]
    private static partial Regex RouteParameter();
}
