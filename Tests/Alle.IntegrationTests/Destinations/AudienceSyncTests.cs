using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Alle.IntegrationTests.Audiences;

namespace Alle.IntegrationTests.Destinations;

/// <summary>
/// An Engage sync of a real audience (computed by Audiences from events tracked through the gateway) to a webhook: the
/// backfill sends the members at the time it is connected, then entries and exits follow as identify calls with
/// <c>&lt;audience_key&gt;: true/false</c> and <c>Audience Entered</c>/<c>Exited</c> track calls.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class AudienceSyncTests(DistributedAppFixture app) : IAsyncLifetime
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(45);
    private readonly DestinationsClient _destinations = new(app);
    private readonly AudiencesApiClient _audiences = new(app);
    private WebhookReceiver _receiver = null!;
    private Guid? _destination;

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.StartAsync();

    public async Task DisposeAsync()
    {
        if (_destination is { } id)
        {
            await _destinations.DeleteAsync(id);
        }
        await _receiver.DisposeAsync();
    }

    [Fact]
    public async Task Connecting_an_audience_backfills_its_members_then_sends_entries_and_exits_as_identify_and_track_calls()
    {
        var tag = AudiencesApiClient.NewTag();
        var key = $"dst_sync_{tag[..12]}";
        var early = $"dst-sync-early-{tag}";
        var later = $"dst-sync-later-{tag}";
        var tracking = app.CreateTrackingClient("portal");
        await _audiences.CreateAudienceAsync(key, $$"""{"trait": "dst_tag", "operator": "equals", "value": "{{tag}}"}""", "Synced members");
        await IdentifyAsync(tracking, early, tag);
        await Eventually.TrueAsync(() => _audiences.IsMemberAsync($"user_id:{early}", key), s_timeout, "the first member in the audience");

        // In order per person: each change's identify before its track call, an entry before the exit.
        var destination = await _destinations.CreateAsync(DestinationsClient.Webhook($"{_receiver.Url}/engage", delivery: new { ordered = true }));
        _destination = destination.Id;
        using var added = await _destinations.Admin.PostAsJsonAsync($"/api/destinations/{destination.Id}/syncs", new { audience = key, identify = true, track = true });
        Assert.True(added.StatusCode == HttpStatusCode.Created, await added.Content.ReadAsStringAsync());
        var syncId = (await added.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        // The backfill: the member at the time of connecting.
        await Eventually.TrueAsync(() => Task.FromResult(Calls(early).Count == 2), s_timeout, "the backfilled member's calls");
        var backfill = await Eventually.GetValueAsync(async () =>
        {
            var sync = (await _destinations.GetAsync($"/api/destinations/{destination.Id}/syncs")).GetProperty("data").EnumerateArray().Single(s => s.GetProperty("id").GetGuid() == syncId);
            return sync.GetProperty("backfill").GetProperty("status").GetString() == "done" ? sync.GetProperty("backfill") : (JsonElement?)null;
        }, s_timeout, "the backfill done");
        Assert.Equal(2, backfill.GetProperty("sent").GetInt64());

        // Live: someone enters, the first member leaves.
        await IdentifyAsync(tracking, later, tag);
        await Eventually.TrueAsync(() => Task.FromResult(Calls(later).Count == 2), s_timeout, "the entry of the later member");
        await IdentifyAsync(tracking, early, "someone-else");
        await Eventually.TrueAsync(() => Task.FromResult(Calls(early).Count == 4), s_timeout, "the exit of the first member");

        Assert.Equal([("identify", "True"), ("track", "Audience Entered"), ("identify", "False"), ("track", "Audience Exited")], Calls(early));
        Assert.Equal([("identify", "True"), ("track", "Audience Entered")], Calls(later));
        var exited = _receiver.Received.SelectMany(r => r.Events).Last(e => e.GetProperty("userId").GetString() == early);
        Assert.Equal(key, exited.GetProperty("properties").GetProperty("audience_key").GetString());
        Assert.Equal("Synced members", exited.GetProperty("properties").GetProperty("audience_name").GetString());
        Assert.Equal("audience", exited.GetProperty("context").GetProperty("personas").GetProperty("computation_class").GetString());
    }

    private static async Task IdentifyAsync(HttpClient tracking, string userId, string tag)
    {
        using var response = await tracking.PostAsJsonAsync("/v1/identify", new { userId, traits = new { dst_tag = tag } });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>The calls the receiver got about a person: (identify, the audience trait) or (track, the event name), in order.</summary>
    private List<(string, string)> Calls(string userId) => [.. _receiver.Received.SelectMany(r => r.Events)
        .Where(e => e.GetProperty("userId").GetString() == userId)
        .Select(e => e.GetProperty("type").GetString() == "identify"
            ? ("identify", e.GetProperty("traits").EnumerateObject().Single().Value.GetBoolean().ToString())
            : ("track", e.GetProperty("event").GetString()!))];
}
