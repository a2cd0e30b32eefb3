using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Alle.IntegrationTests.BadInput;
using Alle.Platform.Authorization;
using Xunit.Abstractions;

namespace Alle.IntegrationTests.Operators;

/// <summary>
/// Every role against every admin endpoint, read from each service's own endpoint data source (the permission its
/// group declares) and called as the bad-input corpus calls it when used as intended, with an API key of the role's
/// scopes through the gateway: a refusal is a 403 problem document and changes nothing; a permitted read answers as it
/// answers the admin key (2xx, or the same 400/404 where the intended call names nothing that exists). The gateway's key
/// exchange takes the admin key alone: an API key there is not a credential at all (401).
/// </summary>
[Collection(StackCollection.Name)]
public sealed class AuthorizationMatrixTests(DistributedAppFixture app, ITestOutputHelper output)
{
    private static readonly string[] s_services = InMemoryService.Names;

    [Fact]
    public async Task Every_role_gets_exactly_what_its_permissions_allow_on_every_admin_endpoint()
    {
        var world = await BadInputWorld.CreateAsync(app);
        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var role in OperatorRoles.All)
        {
            keys[role] = await OperatorsClient.CreateApiKeyAsync(app, $"matrix {role} {world.Tag}", role);
        }
        var permissions = s_services.SelectMany(MappedEndpoints.Of).ToDictionary(e => $"{e.Service} {e.Method} {e.Route}", e => e.Permission, StringComparer.Ordinal);
        var adminEndpoints = EndpointCorpus.All.Where(e => e.Caller == Caller.Admin).ToList();

        // Every admin endpoint declares what it needs, but the gateway's own key exchange (the admin key alone) and the
        // provider directory, which members read too (any operator may).
        var undeclared = adminEndpoints.Where(e => permissions[e.Key] is null).Select(e => e.Key).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["loyalty GET /api/loyalty/providers/search", "web POST /internal/api-keys/exchange"], undeclared);
        permissions["loyalty GET /api/loyalty/providers/search"] = Permissions.Read;

        var before = await StateProbes.ReadAsync(world);
        using var gateway = new HttpClient { BaseAddress = app.Endpoint("gateway"), Timeout = TimeSpan.FromSeconds(60) };
        var failures = new List<string>();
        var refused = 0;
        var readsAllowed = 0;
        var readsAnswered2xx = 0;
        foreach (var endpoint in adminEndpoints)
        {
            var permission = permissions[endpoint.Key];
            var reading = endpoint.Method == "GET";
            int? adminStatus = null;
            foreach (var role in OperatorRoles.All)
            {
                var allowed = permission is not null && OperatorRoles.PermissionsOf(role).Contains(permission);
                if (allowed && !reading)
                {
                    continue; // permitted changes are made in the tests of each role below, not by the hundred here
                }
                adminStatus ??= allowed ? (await SendAsync(gateway, endpoint, world, app.AdminKey)).Status : null;
                var (status, mediaType, body) = await SendAsync(gateway, endpoint, world, keys[role]);
                var seen = $"{endpoint.Key} as {role} (needs {permission ?? "the admin key"}): {status} {mediaType} {Shorten(body)}";
                if (!allowed)
                {
                    refused++;
                    var expected = permission is null ? 401 : 403;
                    if (status != expected || mediaType != "application/problem+json" || !HasTitle(body))
                    {
                        failures.Add($"refusal expected, got {seen}");
                    }
                }
                else
                {
                    readsAllowed++;
                    readsAnswered2xx += status is >= 200 and < 300 ? 1 : 0;
                    if (status is 401 or 403 || status != adminStatus)
                    {
                        failures.Add($"the admin key's {adminStatus} expected, got {seen}");
                    }
                }
            }
        }
        var after = await StateProbes.ReadAsync(world);
        var changed = before.Where(probe => after[probe.Key] != probe.Value).Select(probe => $"{probe.Key}: {probe.Value} → {after[probe.Key]}").ToList();
        output.WriteLine($"{adminEndpoints.Count} admin endpoints × {OperatorRoles.All.Count} roles: {refused} refusals, {readsAllowed} permitted reads ({readsAnswered2xx} answered 2xx); {failures.Count} wrong; {changed.Count} changes.");
        Assert.True(readsAnswered2xx > readsAllowed * 3 / 4, $"Only {readsAnswered2xx} of {readsAllowed} permitted reads answered 2xx.");
        Assert.True(failures.Count == 0 && changed.Count == 0, string.Join("\n", changed.Concat(failures.Order(StringComparer.Ordinal))));
    }

    private static async Task<(int Status, string? MediaType, string Body)> SendAsync(HttpClient client, EndpointSpec endpoint, BadInputWorld world, string key)
    {
        var path = BadRequests.PathOf(endpoint, world, endpoint.Values(world));
        using var request = new HttpRequestMessage(new HttpMethod(endpoint.Method), path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        if (endpoint.Body?.Invoke(world) is { } body)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        // The live stream stays open: its headers say enough.
        var text = mediaType == "text/event-stream" ? "(a stream)" : await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, mediaType, text);
    }

    private static bool HasTitle(string body)
    {
        try
        {
            return JsonDocument.Parse(body).RootElement.TryGetProperty("title", out var title) && !string.IsNullOrWhiteSpace(title.GetString());
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string Shorten(string text) => text.Length > 200 ? text[..200] + "…" : text;
}
