using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;

namespace Alle.IntegrationTests.Foundation;

/// <summary>What the services export reaches Aspire's dashboard, read back through its telemetry API.</summary>
[Collection(StackCollection.Name)]
public sealed class TelemetryTests(DistributedAppFixture app)
{
    private static readonly string[] s_pipeline = ["gateway", "ingestion", "profiles", "audiences", "messaging"];

    [Fact]
    public async Task One_tracked_event_is_one_trace_across_the_pipeline_with_database_and_cache_spans_and_no_personal_data()
    {
        var traceId = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
        var phone = TestPhones.New();
        var email = $"trace-{Guid.NewGuid():N}@example.com";
        var userId = $"trace-{Guid.NewGuid():N}";
        using var tracking = app.CreateTrackingClient("portal");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/track")
        {
            Content = JsonContent.Create(new
            {
                userId,
                @event = "Provider Searched",
                properties = new { zip = "10001" },
                context = new { traits = new { phone, email } },
            }),
        };
        request.Headers.Add("traceparent", $"00-{traceId}-{Convert.ToHexString(RandomNumberGenerator.GetBytes(8)).ToLowerInvariant()}-01");
        Assert.Equal(HttpStatusCode.OK, (await tracking.SendAsync(request)).StatusCode);

        using var dashboard = app.CreateDashboardClient();
        var spans = await Eventually.GetAsync(async () =>
        {
            using var response = await dashboard.GetAsync($"/api/telemetry/traces/{traceId}");
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return null;
            }
            var found = SpansByService(await response.Content.ReadFromJsonAsync<JsonElement>());
            // Spans arrive in each service's export batches: wait for the last hop and for the cache's.
            return s_pipeline.All(found.ContainsKey) && found["messaging"].Any(s => s.Scope == "MassTransit")
                && found.Values.SelectMany(s => s).Any(IsRedis) ? found : null;
        }, TimeSpan.FromSeconds(60), "the trace to reach Messaging");

        Assert.Contains(spans["gateway"], s => s.Scope == "Microsoft.AspNetCore");
        Assert.Contains(spans["ingestion"], s => s.Scope == "Npgsql");
        Assert.Contains(spans.Values.SelectMany(s => s), IsRedis);
        Assert.All(s_pipeline.Skip(2), service => Assert.Contains(spans[service], s => s.Scope == "MassTransit"));

        var everything = await dashboard.GetStringAsync($"/api/telemetry/traces/{traceId}")
            + await dashboard.GetStringAsync("/api/telemetry/logs?limit=5000");
        Assert.DoesNotContain(phone, everything, StringComparison.Ordinal);
        Assert.DoesNotContain(phone.TrimStart('+'), everything, StringComparison.Ordinal);
        Assert.DoesNotContain(email, everything, StringComparison.OrdinalIgnoreCase);
    }

    private sealed record Span(string Name, string Scope);

    private static bool IsRedis(Span span) => span.Scope.Contains("Redis", StringComparison.Ordinal);

    private static Dictionary<string, List<Span>> SpansByService(JsonElement trace)
    {
        var byService = new Dictionary<string, List<Span>>();
        foreach (var resource in trace.GetProperty("data").GetProperty("resourceSpans").EnumerateArray())
        {
            var service = resource.GetProperty("resource").GetProperty("attributes").EnumerateArray()
                .First(a => a.GetProperty("key").GetString() == "service.name").GetProperty("value").GetProperty("stringValue").GetString()!;
            var spans = byService.TryGetValue(service, out var list) ? list : byService[service] = [];
            foreach (var scope in resource.GetProperty("scopeSpans").EnumerateArray())
            {
                var scopeName = scope.GetProperty("scope").GetProperty("name").GetString()!;
                spans.AddRange(scope.GetProperty("spans").EnumerateArray().Select(s => new Span(s.GetProperty("name").GetString()!, scopeName)));
            }
        }
        return byService;
    }
}
