using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Alle.Contracts;

namespace Alle.IntegrationTests.Audiences;

/// <summary>
/// A <see cref="ProfilesUpdated"/> is applied in one transaction: its updates still take effect one after another, a
/// redelivered batch changes nothing, and every entry and exit it causes is announced once.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class BatchedUpdatesTests(DistributedAppFixture app) : IAsyncLifetime
{
    /// <summary>Generous: the suite shares two cores with everything else.</summary>
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);
    private readonly AudiencesApiClient _api = new(app);
    private readonly AudiencesDatabase _database = new(app);
    private ProfileEventBus _bus = null!;

    public async Task InitializeAsync() => _bus = await ProfileEventBus.StartAsync(app);

    public async Task DisposeAsync() => await _bus.DisposeAsync();

    [Fact]
    public async Task Two_updates_of_one_profile_in_a_batch_are_applied_in_order()
    {
        var tag = AudiencesApiClient.NewTag();
        var eventName = $"Batch Search {tag}";
        var searches = await CreateCounterAsync(eventName);
        var gold = AudiencesApiClient.UniqueKey("batch-gold");
        var silver = AudiencesApiClient.UniqueKey("batch-silver");
        await _api.CreateAudienceAsync(gold, $$$"""{"trait": "tier", "operator": "equals", "value": "gold-{{{tag}}}"}""");
        await _api.CreateAudienceAsync(silver, $$$"""{"trait": "tier", "operator": "equals", "value": "silver-{{{tag}}}"}""");
        await _api.WaitUntilComputedAsync(gold);
        await _api.WaitUntilComputedAsync(silver);
        var profileId = Guid.NewGuid();
        var userId = $"member-{Guid.NewGuid():N}";
        var at = DateTimeOffset.UtcNow;

        await _bus.PublishAsync(new ProfilesUpdated([
            ProfileEventBus.Identified(profileId, userId, new { tier = $"gold-{tag}" }, at),
            ProfileEventBus.Tracked(profileId, userId, eventName, timestamp: at.AddMilliseconds(1)),
            ProfileEventBus.Identified(profileId, userId, new { tier = $"silver-{tag}" }, at.AddMilliseconds(2)),
            ProfileEventBus.Tracked(profileId, userId, eventName, timestamp: at.AddMilliseconds(3)),
        ]));

        await Eventually.TrueAsync(() => _api.IsMemberAsync(profileId.ToString(), silver), s_timeout, "her entry into the silver audience");
        Assert.False(await _api.IsMemberAsync(profileId.ToString(), gold));
        var history = await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/audiences/profiles/{profileId}/history");
        Assert.Equal(["exited", "entered"], history.GetProperty("data").EnumerateArray()
            .Where(entry => entry.GetProperty("audienceKey").GetString() == gold).Select(entry => entry.GetProperty("change").GetString()));
        Assert.Equal(2m, await CounterAsync(profileId, searches));
        // Each update counted as it would have on its own: two versions, each sent as her trait.
        Assert.Equal(2, await _database.ScalarAsync<int>("""
            SELECT version FROM computed_values v JOIN computed_traits t ON t.id = v.trait_id WHERE t.key = $1 AND v.profile_id = $2
            """, searches, profileId));
        var calls = await _database.CallsAsync(profileId);
        Assert.Equal(2, calls.Count(call => call.Contains($"\"{searches}\"", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_redelivered_batch_changes_nothing()
    {
        var tag = AudiencesApiClient.NewTag();
        var eventName = $"Batch Search {tag}";
        var searches = await CreateCounterAsync(eventName);
        var searchers = AudiencesApiClient.UniqueKey("batch-searchers");
        await _api.CreateAudienceAsync(searchers, $$"""{"computedTrait": "{{searches}}", "operator": "greaterThanOrEqual", "value": 1}""");
        await _api.WaitUntilComputedAsync(searchers);
        var (first, second) = (Guid.NewGuid(), Guid.NewGuid());
        var batch = new ProfilesUpdated([
            ProfileEventBus.Tracked(first, $"member-{first:N}", eventName),
            ProfileEventBus.Tracked(second, $"member-{second:N}", eventName),
            ProfileEventBus.Tracked(first, $"member-{first:N}", eventName),
        ]);

        await _bus.PublishAsync(batch);
        Assert.Equal(2m, await CounterAsync(first, searches));
        Assert.Equal(1m, await CounterAsync(second, searches));
        var historyBefore = await HistoryRowsAsync(searchers);
        var callsBefore = (await _database.CallsAsync(first)).Count + (await _database.CallsAsync(second)).Count;
        Assert.Equal(2, historyBefore);

        await _bus.PublishAsync(batch);
        await _bus.PublishAsync(new ProfilesUpdated([
            ProfileEventBus.Tracked(first, $"member-{first:N}", "Page Viewed", timestamp: DateTimeOffset.UtcNow.AddMinutes(1)),
            ProfileEventBus.Tracked(second, $"member-{second:N}", "Page Viewed", timestamp: DateTimeOffset.UtcNow.AddMinutes(1)),
        ]));
        // The page views travel after the redelivery on the same queue; once they are stored, the redelivery was handled.
        await Eventually.TrueAsync(async () => await _database.LastEventAsync(first) == "Page Viewed" && await _database.LastEventAsync(second) == "Page Viewed",
            s_timeout, "the later events stored");

        Assert.Equal(2m, await CounterAsync(first, searches));
        Assert.Equal(1m, await CounterAsync(second, searches));
        Assert.Equal(3L, await _database.ScalarAsync<long>("SELECT count(*) FROM events WHERE profile_id = ANY($1) AND name = $2", new[] { first, second }, eventName));
        Assert.Equal(historyBefore, await HistoryRowsAsync(searchers));
        Assert.Equal(callsBefore, (await _database.CallsAsync(first)).Count + (await _database.CallsAsync(second)).Count);
        Assert.Single(_bus.MembershipChanges, change => change.ProfileId == first && change.AudienceKey == searchers);
    }

    [Fact]
    public async Task A_batch_mixing_entries_and_exits_announces_each_once()
    {
        var key = AudiencesApiClient.UniqueKey("batch-north-star");
        var tag = AudiencesApiClient.NewTag();
        await _api.CreateAudienceAsync(key, AudiencesApiClient.NorthStarCondition(tag));
        await _api.WaitUntilComputedAsync(key);
        var (entering, alsoEntering, leaving) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await _bus.PublishAsync(ProfileEventBus.Tracked(leaving, $"member-{leaving:N}", "Provider Searched", new { tag }));
        await Eventually.TrueAsync(() => _api.IsMemberAsync(leaving.ToString(), key), s_timeout, "the leaver a member first");

        await _bus.PublishAsync(new ProfilesUpdated([
            ProfileEventBus.Tracked(entering, $"member-{entering:N}", "Provider Searched", new { tag }),
            ProfileEventBus.Tracked(leaving, $"member-{leaving:N}", "Offer Redeemed", new { offerId = "spring" }),
            ProfileEventBus.Tracked(alsoEntering, $"member-{alsoEntering:N}", "Provider Searched", new { tag }),
            ProfileEventBus.Tracked(entering, $"member-{entering:N}", "Provider Searched", new { tag }),
            ProfileEventBus.Tracked(leaving, $"member-{leaving:N}", "Provider Searched", new { tag }),
        ]));

        foreach (var (profileId, entered) in new[] { (entering, true), (alsoEntering, true), (leaving, false) })
        {
            await Eventually.GetAsync(() => Task.FromResult(_bus.MembershipChanges.FirstOrDefault(change =>
                change.ProfileId == profileId && change.AudienceKey == key && change.Entered == entered)), s_timeout, $"{(entered ? "an entry" : "the exit")} announced");
        }
        Assert.Equal(1L, await HistoryRowsAsync(key, entering));
        Assert.Equal(1L, await HistoryRowsAsync(key, alsoEntering));
        Assert.Equal(2L, await HistoryRowsAsync(key, leaving));
        Assert.Single(_bus.MembershipChanges, change => change.ProfileId == entering && change.AudienceKey == key);
        Assert.Single(_bus.MembershipChanges, change => change.ProfileId == alsoEntering && change.AudienceKey == key);
        Assert.Single(_bus.MembershipChanges, change => change.ProfileId == leaving && change.AudienceKey == key && !change.Entered);
        Assert.Equal(new[] { entering, alsoEntering }.Order(), (await _api.MembersAsync(key)).Select(member => member.GetProperty("profileId").GetGuid())
            .Where(id => id == entering || id == alsoEntering || id == leaving).Order());
    }

    private async Task<string> CreateCounterAsync(string eventName)
    {
        var key = $"searches_{Guid.NewGuid():N}"[..22];
        var created = await _api.Http.PostAsJsonAsync("/api/audiences/computed-traits", new
        {
            key,
            name = "Searches",
            definition = new { kind = "counter", @event = eventName },
        });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        return key;
    }

    private Task<decimal> CounterAsync(Guid profileId, string key) =>
        Eventually.GetValueAsync<decimal>(async () =>
            await _api.ProfileAsync(profileId.ToString()) is { } profile && profile.GetProperty("computedTraits").TryGetProperty(key, out var value)
                ? value.GetDecimal()
                : null, s_timeout, $"{key} of {profileId}");

    private Task<long> HistoryRowsAsync(string audienceKey, Guid? profileId = null) =>
        _database.ScalarAsync<long>("""
            SELECT count(*) FROM membership_history h JOIN audiences a ON a.id = h.audience_id WHERE a.key = $1 AND ($2::uuid IS NULL OR h.profile_id = $2)
            """, audienceKey, (object?)profileId ?? DBNull.Value);
}
