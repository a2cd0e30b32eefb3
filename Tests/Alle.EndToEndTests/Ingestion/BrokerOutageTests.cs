using System.Net;
using System.Net.Http.Json;

namespace Alle.EndToEndTests.Ingestion;

/// <summary>
/// While RabbitMQ is down, ingestion answers 503 with Retry-After rather than piling up events nobody can receive; what
/// it acknowledged before noticing is in its outbox and reaches the warehouse once the broker is back.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class BrokerOutageTests(DistributedAppFixture app)
{
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
        await app.App.StopResourceAsync("eventbus");
        try
        {
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
            await app.App.StartResourceAsync("eventbus");
        }

        await app.App.WaitForHealthyAsync("eventbus", TimeSpan.FromSeconds(90));
        await Eventually.TrueAsync(async () => (await SendAsync()).IsSuccessStatusCode, TimeSpan.FromSeconds(90), "ingestion to accept events again");

        var warehouse = new WarehouseQueries(app);
        await Eventually.TrueAsync(async () =>
        {
            var stored = await warehouse.CountByIdAsync("tracks", runId);
            return acknowledged.All(stored.ContainsKey);
        }, TimeSpan.FromSeconds(90), "every acknowledged event in the warehouse");
        foreach (var service in new[] { "ingestion", "profiles", "audiences", "messaging", "loyalty", "gateway" })
        {
            await app.App.WaitForHealthyAsync(service, TimeSpan.FromSeconds(90));
        }
    }
}
