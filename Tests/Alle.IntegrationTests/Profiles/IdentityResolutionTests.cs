using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Alle.IntegrationTests.Profiles;

/// <summary>Events in, one profile per person out: merges, merge protection, redelivery, trait precedence, published updates.</summary>
[Collection(StackCollection.Name)]
public sealed class IdentityResolutionTests(DistributedAppFixture app) : IAsyncLifetime
{
    private const string Profiles = "/api/profiles/v1/spaces/default/collections/users/profiles";
    private EventBusProbe _bus = null!;

    public async Task InitializeAsync() => _bus = await EventBusProbe.ConnectAsync(app, "ProfileUpdated", "ProfilesMerged", "ProfilesUnmerged");

    public async Task DisposeAsync() => await _bus.DisposeAsync();

    [Fact]
    public async Task Browsing_then_joining_by_phone_merges_into_the_provider_created_member_and_publishes_the_merge()
    {
        var memberId = $"member-{Guid.NewGuid():N}";
        var anonymousId = $"anon-{Guid.NewGuid():N}";
        var phone = NewPhone();
        var providerCreated = Events.Identify(memberId, new { phone, tier = "silver" });
        await _bus.PublishEventsAsync(providerCreated);
        var memberProfile = (await UpdateForAsync(providerCreated)).GetProperty("profileId").GetString();

        var browsing = Events.Track(null, "Provider Searched", new { zip = "10001" }, anonymousId: anonymousId);
        await _bus.PublishEventsAsync(browsing);
        var anonymousProfile = (await UpdateForAsync(browsing)).GetProperty("profileId").GetString();
        Assert.NotEqual(memberProfile, anonymousProfile);

        var join = Events.Identify(null, new { firstName = "Jane" }, anonymousId: anonymousId, context: Events.PhoneContext(phone));
        await _bus.PublishEventsAsync(join);

        var merged = await _bus.WaitForAsync("ProfilesMerged", m => m.GetProperty("triggerMessageId").GetString() == Events.MessageId(join), "the merge");
        Assert.Equal(memberProfile, merged.GetProperty("survivorProfileId").GetString());
        Assert.Equal([anonymousProfile], merged.GetProperty("mergedProfileIds").EnumerateArray().Select(id => id.GetString()));
        var update = await UpdateForAsync(join);
        Assert.Equal(memberProfile, update.GetProperty("profileId").GetString());
        Assert.Equal(memberId, update.GetProperty("userId").GetString());
        Assert.Equal("Jane", update.GetProperty("changedTraits").GetProperty("firstName").GetString());
        Assert.Equal(Events.MessageId(join), update.GetProperty("trigger").GetProperty("messageId").GetString());

        var timeline = await ReadAsync($"{Profiles}/anonymous_id:{anonymousId}/events?limit=100");
        Assert.Equal(3, Events.Sent(timeline).Count());
        var traits = (await ReadAsync($"{Profiles}/phone:{Uri.EscapeDataString(phone)}/traits")).GetProperty("traits");
        Assert.Equal("Jane", traits.GetProperty("firstName").GetString());
        Assert.Equal("silver", traits.GetProperty("tier").GetString());

        var log = await ReadAsync($"/api/profiles/{memberProfile}/merges");
        var entry = Assert.Single(log.GetProperty("data").EnumerateArray());
        Assert.Equal(Events.MessageId(join), entry.GetProperty("triggerMessageId").GetString());
        Assert.Equal(anonymousProfile, entry.GetProperty("absorbedProfileId").GetString());
        var matched = entry.GetProperty("matchedIdentifiers").EnumerateArray().Select(i => i.GetProperty("type").GetString()).Order();
        Assert.Equal(["anonymous_id", "phone"], matched);
    }

    [Fact]
    public async Task An_unmerge_splits_the_profile_back_by_the_identifiers_it_absorbed_and_it_stays_split()
    {
        var userId = $"split-{Guid.NewGuid():N}";
        var deviceId = $"device-{Guid.NewGuid():N}";
        var email = $"{userId}@example.com";
        var member = Events.Identify(userId, new { email, name = "Member" });
        var device = Events.Identify(null, new { favourite = "lips" }, anonymousId: deviceId);
        await _bus.PublishEventsAsync(member);
        await _bus.PublishEventsAsync(device);
        var deviceProfile = (await UpdateForAsync(device)).GetProperty("profileId").GetString();
        var wrong = Events.Track(null, "Coupon Clipped", anonymousId: deviceId, context: new { traits = new { email } });
        await _bus.PublishEventsAsync(wrong);
        var merge = await _bus.WaitForAsync("ProfilesMerged", m => m.GetProperty("triggerMessageId").GetString() == Events.MessageId(wrong), "the wrong merge");
        var survivor = merge.GetProperty("survivorProfileId").GetString();
        Assert.Equal("lips", (await ReadAsync($"{Profiles}/user_id:{userId}/traits")).GetProperty("traits").GetProperty("favourite").GetString());

        var mergeId = Assert.Single((await ReadAsync($"/api/profiles/{survivor}/merges")).GetProperty("data").EnumerateArray()).GetProperty("mergeId").GetString();
        using var unmerge = await app.AdminGateway.PostAsync($"/api/profiles/merges/{mergeId}/unmerge", null);
        Assert.Equal(HttpStatusCode.OK, unmerge.StatusCode);
        var result = await unmerge.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(deviceProfile, result.GetProperty("restoredProfileId").GetString());
        Assert.Equal([("anonymous_id", deviceId)], result.GetProperty("movedIdentifiers").EnumerateArray().Select(i => (i.GetProperty("type").GetString(), i.GetProperty("value").GetString())));

        var memberTraits = (await ReadAsync($"{Profiles}/user_id:{userId}/traits")).GetProperty("traits");
        Assert.False(memberTraits.TryGetProperty("favourite", out _));
        var deviceTraits = (await ReadAsync($"{Profiles}/anonymous_id:{deviceId}/traits")).GetProperty("traits");
        Assert.Equal("lips", deviceTraits.GetProperty("favourite").GetString());
        Assert.False(deviceTraits.TryGetProperty("name", out _));
        var deviceEvents = Events.Sent(await ReadAsync($"{Profiles}/anonymous_id:{deviceId}/events?limit=100"));
        Assert.Equal([Events.MessageId(device)], deviceEvents.Select(e => e.GetProperty("message_id").GetString()));
        await _bus.WaitForAsync("ProfilesUnmerged", m => m.GetProperty("mergeId").GetString() == mergeId, "the unmerge");

        using var again = await app.AdminGateway.PostAsync($"/api/profiles/merges/{mergeId}/unmerge", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);

        // The same evidence arriving again does not undo the operator's decision.
        var repeat = Events.Track(null, "Coupon Clipped", anonymousId: deviceId, context: new { traits = new { email } });
        await _bus.PublishEventsAsync(repeat);
        Assert.Equal(survivor, (await UpdateForAsync(repeat)).GetProperty("profileId").GetString());
        var decisions = (await ReadAsync($"/api/profiles/{survivor}/identity-decisions")).GetProperty("data");
        Assert.Contains(decisions.EnumerateArray(), d => d.GetProperty("messageId").GetString() == Events.MessageId(repeat));
        Assert.Equal("lips", (await ReadAsync($"{Profiles}/anonymous_id:{deviceId}/traits")).GetProperty("traits").GetProperty("favourite").GetString());
    }

    [Fact]
    public async Task A_shared_device_never_joins_two_members_and_the_decision_is_recorded()
    {
        var device = $"ipad-{Guid.NewGuid():N}";
        var first = Events.Identify($"first-{device}", new { name = "First" }, anonymousId: device);
        var second = Events.Identify($"second-{device}", new { name = "Second" }, anonymousId: device);
        await _bus.PublishEventsAsync(first, second);

        var firstProfile = (await UpdateForAsync(first)).GetProperty("profileId").GetString();
        var secondProfile = (await UpdateForAsync(second)).GetProperty("profileId").GetString();
        Assert.NotEqual(firstProfile, secondProfile);
        Assert.Equal("Second", (await ReadAsync($"{Profiles}/user_id:second-{device}/traits")).GetProperty("traits").GetProperty("name").GetString());
        Assert.Equal("First", (await ReadAsync($"{Profiles}/anonymous_id:{device}/traits")).GetProperty("traits").GetProperty("name").GetString());

        var decision = Assert.Single((await ReadAsync($"/api/profiles/{secondProfile}/identity-decisions")).GetProperty("data").EnumerateArray());
        var dropped = Assert.Single(decision.GetProperty("dropped").EnumerateArray());
        Assert.Equal("anonymous_id", dropped.GetProperty("identifier").GetProperty("type").GetString());
        Assert.Equal(firstProfile, dropped.GetProperty("conflictingProfileId").GetString());
    }

    [Fact]
    public async Task A_redelivered_batch_changes_nothing_the_second_time()
    {
        var userId = $"redelivery-{Guid.NewGuid():N}";
        var identify = Events.Identify(userId, new { points = 100 });
        var track = Events.Track(userId, "Points Earned", new { points = 100 });
        await _bus.PublishEventsAsync(identify, track);
        await UpdateForAsync(track);

        var marker = Events.Track(userId, "Marker");
        await _bus.PublishEventsAsync(identify, track, marker);
        await UpdateForAsync(marker);

        Assert.Single(_bus.Received("ProfileUpdated", u => Trigger(u) == Events.MessageId(identify)));
        Assert.Single(_bus.Received("ProfileUpdated", u => Trigger(u) == Events.MessageId(track)));
        var timeline = Events.Sent(await ReadAsync($"{Profiles}/user_id:{userId}/events?limit=100"));
        Assert.Equal(3, timeline.Count());
    }

    [Fact]
    public async Task The_newest_timestamp_wins_per_trait_whatever_the_arrival_order()
    {
        var userId = $"order-{Guid.NewGuid():N}";
        var now = DateTimeOffset.UtcNow;
        var newer = Events.Identify(userId, new { tier = "gold", city = "Austin" }, timestamp: now);
        var older = Events.Identify(userId, new { tier = "silver", phoneModel = "x" }, timestamp: now.AddHours(-3));
        await _bus.PublishEventsAsync(newer);
        await UpdateForAsync(newer);
        await _bus.PublishEventsAsync(older);

        var late = await UpdateForAsync(older);
        Assert.Equal(["phoneModel"], late.GetProperty("changedTraits").EnumerateObject().Select(t => t.Name));
        var traits = (await ReadAsync($"{Profiles}/user_id:{userId}/traits")).GetProperty("traits");
        Assert.Equal("gold", traits.GetProperty("tier").GetString());
        Assert.Equal("x", traits.GetProperty("phoneModel").GetString());
    }

    [Fact]
    public async Task A_read_right_after_an_update_is_never_served_stale_from_the_cache()
    {
        var userId = $"cache-{Guid.NewGuid():N}";
        var path = $"{Profiles}/user_id:{userId}/traits";
        var first = Events.Identify(userId, new { tier = "silver" });
        await _bus.PublishEventsAsync(first);
        await UpdateForAsync(first);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("silver", (await ReadAsync(path)).GetProperty("traits").GetProperty("tier").GetString());
        }

        // Proof that reads come from the cache: a change made behind the service's back is not seen...
        await using (var database = Npgsql.NpgsqlDataSource.Create(app.ConnectionString("profilesdb")))
        await using (var behindTheBack = database.CreateCommand("""
            UPDATE profiles SET traits = jsonb_set(traits, '{tier,value}', '"bronze"')
            WHERE id = (SELECT profile_id FROM identities WHERE type = 'user_id' AND value = $1)
            """))
        {
            behindTheBack.Parameters.AddWithValue(userId);
            Assert.Equal(1, await behindTheBack.ExecuteNonQueryAsync());
        }
        Assert.Equal("silver", (await ReadAsync(path)).GetProperty("traits").GetProperty("tier").GetString());

        for (var round = 0; round < 5; round++)
        {
            var tier = $"tier-{round}";
            var update = Events.Identify(userId, new { tier }, timestamp: DateTimeOffset.UtcNow.AddSeconds(round + 1));
            await _bus.PublishEventsAsync(update);
            await UpdateForAsync(update);

            // ProfileUpdated is published after the cache entry is invalidated: the very next read must see it.
            Assert.Equal(tier, (await ReadAsync(path)).GetProperty("traits").GetProperty("tier").GetString());
            using var lookup = await app.AdminGateway.GetAsync($"/api/profiles/lookup?userId={userId}");
            Assert.Equal(tier, (await lookup.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("traits").GetProperty("tier").GetString());
        }
    }

    [Fact]
    public async Task Alias_links_the_anonymous_history_to_the_user()
    {
        var userId = $"alias-{Guid.NewGuid():N}";
        var anonymousId = $"anon-{userId}";
        var browsing = Events.Track(null, "Provider Searched", anonymousId: anonymousId);
        var member = Events.Identify(userId, new { name = "Al" });
        await _bus.PublishEventsAsync(browsing, member);
        await UpdateForAsync(member);

        var alias = Events.Alias(userId, anonymousId);
        await _bus.PublishEventsAsync(alias);
        await _bus.WaitForAsync("ProfilesMerged", m => m.GetProperty("triggerMessageId").GetString() == Events.MessageId(alias), "the alias merge");

        var events = Events.Sent(await ReadAsync($"{Profiles}/user_id:{userId}/events?sort=asc&limit=100"));
        Assert.Equal(["track", "identify", "alias"], events.Select(e => e.GetProperty("type").GetString()));
    }

    private static string? Trigger(JsonElement update) =>
        update.GetProperty("trigger").ValueKind == JsonValueKind.Object ? update.GetProperty("trigger").GetProperty("messageId").GetString() : null;

    private Task<JsonElement> UpdateForAsync(object trackedEvent) =>
        _bus.WaitForAsync("ProfileUpdated", u => Trigger(u) == Events.MessageId(trackedEvent), $"ProfileUpdated for {Events.MessageId(trackedEvent)}");

    private async Task<JsonElement> ReadAsync(string path)
    {
        using var response = await app.AdminGateway.GetAsync(path);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    internal static string NewPhone() => TestPhones.New();
}
