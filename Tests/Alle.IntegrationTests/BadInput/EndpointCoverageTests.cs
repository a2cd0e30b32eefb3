using System.Text.Json;

namespace Alle.IntegrationTests.BadInput;

/// <summary>
/// The corpus covers every endpoint the services map (read from each service's own endpoint data source, so a new
/// <c>Map…</c> fails this test until the endpoint joins <see cref="EndpointCorpus"/>), and every path the gateway
/// forwards reaches one of them. Needs no running application.
/// </summary>
public sealed class EndpointCoverageTests
{
    public static TheoryData<string> Services => ["ingestion", "profiles", "audiences", "messaging", "loyalty", "web"];

    [Theory]
    [MemberData(nameof(Services))]
    public void The_corpus_covers_every_endpoint_the_service_maps(string service)
    {
        var mapped = MappedEndpoints.Of(service)
            .Where(endpoint => !EndpointCorpus.Probes.Contains(endpoint.Route))
            .Select(endpoint => $"{endpoint.Service} {endpoint.Method} {endpoint.Route}")
            .ToHashSet(StringComparer.Ordinal);
        var covered = EndpointCorpus.All.Where(e => e.Service == service).Select(e => e.Key).ToHashSet(StringComparer.Ordinal);

        var missing = mapped.Except(covered).Order(StringComparer.Ordinal).ToList();
        var stale = covered.Except(mapped).Order(StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0 && stale.Count == 0,
            $"Add to EndpointCorpus (with a valid body, query and path values): {string.Join(", ", missing)}. No longer mapped: {string.Join(", ", stale)}.");
    }

    [Fact]
    public void Every_route_of_the_gateway_leads_to_endpoints_in_the_corpus()
    {
        using var settings = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot(), "Gateway", "appsettings.json")));
        var proxy = settings.RootElement.GetProperty("ReverseProxy");
        var clusters = proxy.GetProperty("Clusters").EnumerateObject().ToDictionary(c => c.Name, c => c.Value.GetProperty("Destinations").EnumerateObject().Single().Value
            .GetProperty("Address").GetString()!.Replace("http://", "", StringComparison.Ordinal));
        foreach (var route in proxy.GetProperty("Routes").EnumerateObject())
        {
            var service = clusters[route.Value.GetProperty("ClusterId").GetString()!];
            var prefix = route.Value.GetProperty("Match").GetProperty("Path").GetString()!.Replace("{**rest}", "", StringComparison.Ordinal);
            Assert.True(EndpointCorpus.All.Any(e => e.Service == service && e.Route.StartsWith(prefix, StringComparison.Ordinal)),
                $"The gateway's route '{route.Name}' ({prefix}…) forwards to {service}, whose endpoints under it are not in the corpus.");
        }
    }

    private static string RepositoryRoot()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(root.FullName, "Alle.Aspire.sln")))
        {
            root = root.Parent ?? throw new InvalidOperationException("Run from inside the repository.");
        }
        return root.FullName;
    }
}
