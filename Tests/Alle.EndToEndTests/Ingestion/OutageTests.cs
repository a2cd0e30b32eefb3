using System.Net;
using System.Net.Http.Json;

namespace Alle.EndToEndTests.Ingestion;

/// <summary>
/// While RabbitMQ or PostgreSQL is down, ingestion answers 503 with Retry-After — never 200 followed by a loss. What it
/// acknowledged before a broker outage is in its outbox and reaches the warehouse once the broker is back.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class OutageTests(DistributedAppFixture app)
{
    private static readonly string[] s_services = ["ingestion", "profiles", "audiences", "messaging", "loyalty", "destinations", "web", "gateway"];

    [Fact]
    public async Task Ingestion_refuses_with_503_while_postgres_is_down_and_stores_nothing()
    {
        var tracking = app.CreateTrackingClient("mobile");
        var messageId = $"pg-outage-{Guid.NewGuid():N}";
        Assert.Equal(HttpStatusCode.OK, (await tracking.PostAsJsonAsync("/v1/track", new { userId = "warm-up", @event = "Outage Test" })).StatusCode);

        HttpResponseMessage refused;
        try
        {
            await app.Resources.StopAsync("postgres");
            refused = await tracking.PostAsJsonAsync("/v1/track", new { messageId, userId = $"{messageId}-user", @event = "Outage Test" });
        }
        finally
        {
            await app.Resources.StartAsync("postgres");
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.True(refused.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        await app.Resources.WaitForHealthyAsync("postgres", TimeSpan.FromSeconds(90));
        foreach (var service in s_services)
        {
            await app.Resources.WaitForHealthyAsync(service, TimeSpan.FromSeconds(120));
        }
        var marker = $"pg-outage-{Guid.NewGuid():N}";
        await Eventually.TrueAsync(async () =>
            (await tracking.PostAsJsonAsync("/v1/track", new { messageId = marker, userId = $"{messageId}-user", @event = "Outage Test" })).IsSuccessStatusCode,
            TimeSpan.FromSeconds(60), "ingestion to accept events again");
        var warehouse = new WarehouseQueries(app);
        await Eventually.GetAsync(() => warehouse.RowAsync("tracks", marker), TimeSpan.FromSeconds(60), "the marker in the warehouse");
        Assert.Null(await warehouse.RowAsync("tracks", messageId));
    }

    [Fact]
    public async Task Ingestion_refuses_with_503_while_the_broker_is_down_and_delivers_what_it_acknowledged()
    {
        var runId = $"outage-{Guid.NewGuid():N}-";
        var tracking = app.CreateTrackingClient("loyalty");
        var acknowledged = new List<string>();
        var sequence = 0;

        async Task<HttpResponseMessage> SendAsync()
        {
            var messageId = $"{runId}{sequence++}";
            var response = await tracking.PostAsJsonAsync("/v1/track", new { messageId, userId = $"{runId}user", @event = "Outage Test" });
            if (response.IsSuccessStatusCode)
            {
                acknowledged.Add(messageId);
            }
            return response;
        }

        Assert.Equal(HttpStatusCode.OK, (await SendAsync()).StatusCode);
        try
        {
            await app.Resources.StopAsync("eventbus");
            var refused = await Eventually.GetAsync(async () =>
            {
                var response = await SendAsync();
                return response.StatusCode == HttpStatusCode.ServiceUnavailable ? response : null;
            }, TimeSpan.FromSeconds(60), "ingestion to refuse with 503 while the broker is down");

            Assert.True(int.Parse(refused.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) >= 1);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        }
        finally
        {
            await app.Resources.StartAsync("eventbus");
        }

        await app.Resources.WaitForHealthyAsync("eventbus", TimeSpan.FromSeconds(90));
        await Eventually.TrueAsync(async () => (await SendAsync()).IsSuccessStatusCode, TimeSpan.FromSeconds(90), "ingestion to accept events again");

        var warehouse = new WarehouseQueries(app);
        await Eventually.TrueAsync(async () =>
        {
            var stored = await warehouse.CountByIdAsync("tracks", runId);
            return acknowledged.All(stored.ContainsKey);
        }, TimeSpan.FromSeconds(90), "every acknowledged event in the warehouse");
        foreach (var service in s_services)
        {
            await app.Resources.WaitForHealthyAsync(service, TimeSpan.FromSeconds(90));
        }

        // The whole pipeline flows again, not only ingestion: what Profiles resolves now reaches Audiences (each
        // service's outbox relay survived the broker going away in the middle of a publish).
        var afterwards = $"{runId}afterwards";
        // Sent as Segment's libraries send: the same message again after a 503 (ingestion still refuses for a moment
        // whenever a publish to the restarted broker times out on a busy machine).
        var afterwardsId = $"{runId}afterwards-call";
        await Eventually.TrueAsync(async () => (await tracking.PostAsJsonAsync("/v1/track", new { messageId = afterwardsId, userId = afterwards, @event = "Outage Test" }))
            .StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(90), "a call after the outage accepted");
        await Eventually.TrueAsync(async () => (await app.AdminGateway.GetAsync($"/api/audiences/profiles/user_id:{afterwards}")).StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(90), "a profile update after the outage to reach Audiences");
    }
}
