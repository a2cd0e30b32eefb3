using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Alle.IntegrationTests.Foundation;

[Collection(StackCollection.Name)]
public sealed class WalkingSkeletonTests(DistributedAppFixture app)
{
    [Fact]
    public async Task A_tracked_event_travels_through_ingestion_and_the_broker_to_the_profile_timeline()
    {
        var userId = $"skeleton-{Guid.NewGuid():N}";
        var tracking = app.CreateTrackingClient("portal");

        var response = await tracking.PostAsJsonAsync("/v1/track", new
        {
            userId,
            @event = "Provider Searched",
            properties = new { zip = "10001", radius = 25 },
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var events = await Eventually.GetValueAsync(async () =>
        {
            var read = await app.AdminGateway.GetAsync($"/api/profiles/v1/spaces/default/collections/users/profiles/user_id:{userId}/events");
            return read.StatusCode == HttpStatusCode.OK ? await read.Content.ReadFromJsonAsync<JsonElement>() : (JsonElement?)null;
        }, TimeSpan.FromSeconds(20), "the event on the user's timeline");

        // Other services add to a timeline (e.g. Audiences' "Audience Entered"); this test owns what the portal sent.
        var only = Assert.Single(events.GetProperty("data").EnumerateArray(), e => e.GetProperty("source_id").GetString() == "portal");
        Assert.Equal("Provider Searched", only.GetProperty("event").GetString());
        Assert.Equal("10001", only.GetProperty("properties").GetProperty("zip").GetString());
    }
}
