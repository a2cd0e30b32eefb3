using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Alle.EndToEndTests.Audiences;

/// <summary>
/// The north-star flow across services: track calls through the gateway → ingestion → Profiles (identity resolution,
/// <c>ProfileUpdated</c>) → Audiences. Both tests need the rebuilt Profiles service, which publishes
/// <c>ProfileUpdated</c> for every resolved event; the second also needs the rebuilt ingestion's <c>/v1/batch</c>,
/// through which Audiences sends <c>Audience Entered</c> / <c>Audience Exited</c>.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class NorthStarThroughGatewayTests(DistributedAppFixture app)
{
    // Generous on purpose: the suite shares two cores with everything else; latency is a benchmark's business, not a test's.
    private static readonly TimeSpan s_realTime = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_member_s_search_in_the_portal_puts_her_in_the_audience_and_her_redemption_takes_her_out()
    {
        var tag = Guid.NewGuid().ToString("N");
        var key = await CreateNorthStarAsync(tag);
        var portal = app.CreateTrackingClient("portal");
        var userId = $"member-{Guid.NewGuid():N}";

        var searched = await portal.PostAsJsonAsync("/v1/track", new { userId, @event = "Provider Searched", properties = new { zip = "10001", tag } });
        Assert.Equal(HttpStatusCode.OK, searched.StatusCode);
        await Eventually.TrueAsync(() => IsMemberAsync(userId, key), s_realTime, "her entry into the north-star audience");

        var redeemed = await portal.PostAsJsonAsync("/v1/track", new { userId, @event = "Offer Redeemed", properties = new { offerId = "spring" } });
        Assert.Equal(HttpStatusCode.OK, redeemed.StatusCode);
        await Eventually.TrueAsync(async () => !await IsMemberAsync(userId, key), s_realTime, "her exit after the redemption");
    }

    [Fact]
    public async Task Entering_and_leaving_the_audience_reach_her_timeline_as_track_events()
    {
        var tag = Guid.NewGuid().ToString("N");
        var key = await CreateNorthStarAsync(tag);
        var portal = app.CreateTrackingClient("portal");
        var userId = $"member-{Guid.NewGuid():N}";

        await portal.PostAsJsonAsync("/v1/track", new { userId, @event = "Provider Searched", properties = new { zip = "10001", tag } });
        await Eventually.TrueAsync(() => IsMemberAsync(userId, key), s_realTime, "her entry into the north-star audience");
        await portal.PostAsJsonAsync("/v1/track", new { userId, @event = "Offer Redeemed", properties = new { offerId = "spring" } });

        var timeline = await Eventually.GetAsync(async () =>
        {
            var response = await app.AdminGateway.GetAsync($"/api/profiles/v1/spaces/default/collections/users/profiles/user_id:{userId}/events?limit=50");
            var events = response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonElement>() : default;
            var changes = events.ValueKind == JsonValueKind.Object
                ? events.GetProperty("data").EnumerateArray().Where(item => AudienceKey(item) == key).Select(item => item.GetProperty("event").GetString()).ToList()
                : [];
            return changes.Contains("Audience Entered") && changes.Contains("Audience Exited") ? changes : null;
        }, TimeSpan.FromSeconds(20), "Audience Entered and Audience Exited on her timeline");
        Assert.Equal(2, timeline.Count);
    }

    /// <summary>
    /// The north-star audience limited to searches carrying <paramref name="tag"/>, so that in the shared application it
    /// does not capture other tests' members (any redemption still takes her out).
    /// </summary>
    private async Task<string> CreateNorthStarAsync(string tag)
    {
        var key = $"north-star-e2e-{Guid.NewGuid():N}"[..30];
        var created = await app.AdminGateway.PostAsJsonAsync("/api/audiences", new
        {
            key,
            name = "Searched in the last 30 days, never redeemed",
            condition = JsonDocument.Parse($$$"""
                {"and": [{"event": "Provider Searched", "where": [{"property": "tag", "operator": "equals", "value": "{{{tag}}}"}], "within": "30d"},
                         {"not": {"event": "Offer Redeemed"}}]}
                """).RootElement,
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return key;
    }

    private static string? AudienceKey(JsonElement item) =>
        item.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object
        && properties.TryGetProperty("audience_key", out var audienceKey) ? audienceKey.GetString() : null;

    private async Task<bool> IsMemberAsync(string userId, string key)
    {
        var response = await app.AdminGateway.GetAsync($"/api/audiences/profiles/user_id:{userId}");
        return response.StatusCode == HttpStatusCode.OK
            && (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("audiences").EnumerateArray()
                .Any(audience => audience.GetProperty("key").GetString() == key);
    }
}
