using System.Net.Http.Json;
using System.Text.Json;
using Alle.Contracts;

namespace Alle.IntegrationTests.Audiences;

/// <summary>
/// "Searched for a provider in the last 30 days and never redeemed an offer", driven by the profile updates Profiles
/// publishes (sent here from the test's own bus), observed through the API and on the bus.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class NorthStarAudienceTests(DistributedAppFixture app) : IAsyncLifetime
{
    /// <summary>
    /// Generous on purpose: the suite shares two cores with everything else (a 5-second bound failed with two suites
    /// running at once, and 30 seconds once in a fresh clone running every suite); latency is a benchmark's business,
    /// not a test's.
    /// </summary>
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);
    private readonly AudiencesApiClient _api = new(app);
    private ProfileEventBus _bus = null!;

    public async Task InitializeAsync() => _bus = await ProfileEventBus.StartAsync(app);

    public async Task DisposeAsync() => await _bus.DisposeAsync();

    [Fact]
    public async Task A_search_puts_her_in_the_audience_within_seconds_and_a_redemption_takes_her_out()
    {
        var key = AudiencesApiClient.UniqueKey("north-star");
        var tag = AudiencesApiClient.NewTag();
        var audience = await _api.CreateAudienceAsync(key, AudiencesApiClient.NorthStarCondition(tag));
        await _api.WaitUntilComputedAsync(key);
        var userId = $"member-{Guid.NewGuid():N}";
        // Her profile as Profiles knows it: the track calls Audiences sends about her entry come back through Profiles,
        // and for a profile Profiles never saw they would make a second profile of the same user id, newer than hers,
        // which the user_id: look-up below would then find instead (the test once timed out so).
        var profileId = await _api.ProfileIdFromProfilesAsync(userId);

        await _bus.PublishAsync(ProfileEventBus.Tracked(profileId, userId, "Provider Searched", new { zip = "10001", tag }));
        await ExplainingTimeoutAsync(profileId, key, () => Eventually.TrueAsync(() => _api.IsMemberAsync($"user_id:{userId}", key), s_timeout, "her entry into the audience"));
        var entered = await Eventually.GetAsync(() => Task.FromResult(_bus.MembershipChanges.FirstOrDefault(change => change.ProfileId == profileId && change.AudienceKey == key && change.Entered)),
            s_timeout, "AudienceMembershipChanged (entered) on the bus");
        Assert.Equal(audience.GetProperty("id").GetGuid(), entered.AudienceId);
        Assert.Equal(key, entered.AudienceKey);
        Assert.Equal(userId, entered.UserId);

        await _bus.PublishAsync(ProfileEventBus.Tracked(profileId, userId, "Offer Redeemed", new { offerId = "spring" }));
        await Eventually.TrueAsync(async () => !await _api.IsMemberAsync(profileId.ToString(), key), s_timeout, "her exit from the audience");
        await Eventually.GetAsync(() => Task.FromResult(_bus.MembershipChanges.FirstOrDefault(change => change.ProfileId == profileId && change.AudienceKey == key && !change.Entered)),
            s_timeout, "AudienceMembershipChanged (exited) on the bus");

        var history = await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/audiences/profiles/{profileId}/history");
        Assert.Equal(["exited", "entered"], history.GetProperty("data").EnumerateArray()
            .Where(entry => entry.GetProperty("audienceKey").GetString() == key).Select(entry => entry.GetProperty("change").GetString()));
    }

    [Fact]
    public async Task Updates_published_together_are_each_applied_in_order()
    {
        var key = AudiencesApiClient.UniqueKey("batched");
        var tag = AudiencesApiClient.NewTag();
        await _api.CreateAudienceAsync(key, AudiencesApiClient.NorthStarCondition(tag));
        await _api.WaitUntilComputedAsync(key);
        var (searcher, redeemer) = (Guid.NewGuid(), Guid.NewGuid());

        // As Profiles publishes a resolved batch: the redeemer searches, the searcher searches, the redeemer redeems.
        await _bus.PublishAsync(new ProfilesUpdated([
            ProfileEventBus.Tracked(redeemer, $"member-{redeemer:N}", "Provider Searched", new { zip = "10001", tag }),
            ProfileEventBus.Tracked(searcher, $"member-{searcher:N}", "Provider Searched", new { zip = "10001", tag }),
            ProfileEventBus.Tracked(redeemer, $"member-{redeemer:N}", "Offer Redeemed", new { offerId = "spring" }),
        ]));

        await Eventually.TrueAsync(() => _api.IsMemberAsync(searcher.ToString(), key), s_timeout, "the searcher's entry");
        await Eventually.GetAsync(() => Task.FromResult(_bus.MembershipChanges.FirstOrDefault(change => change.ProfileId == redeemer && change.AudienceKey == key && !change.Entered)),
            s_timeout, "the redeemer's exit after her entry, in the batch's order");
        Assert.False(await _api.IsMemberAsync(redeemer.ToString(), key));
    }

    [Fact]
    public async Task A_redelivered_update_changes_nothing_the_second_time()
    {
        var key = AudiencesApiClient.UniqueKey("redelivery");
        var tag = AudiencesApiClient.NewTag();
        await _api.CreateAudienceAsync(key, $$$"""
            {"event": "Provider Searched", "where": [{"property": "tag", "operator": "equals", "value": "{{{tag}}}"}], "count": {"exactly": 1}}
            """);
        await _api.WaitUntilComputedAsync(key);
        var profileId = Guid.NewGuid();
        var userId = $"member-{Guid.NewGuid():N}";
        var search = ProfileEventBus.Tracked(profileId, userId, "Provider Searched", new { tag });

        await _bus.PublishAsync(search);
        await Eventually.TrueAsync(() => _api.IsMemberAsync(profileId.ToString(), key), s_timeout, "her entry");
        await _bus.PublishAsync(search);
        await _bus.PublishAsync(ProfileEventBus.Tracked(profileId, userId, "Page Viewed"));
        // The page view travels after the redelivery on the same queue; once it is stored, the redelivery was handled.
        await Eventually.TrueAsync(async () => await LastEventAsync(profileId) == "Page Viewed", s_timeout, "the later event stored");

        Assert.True(await _api.IsMemberAsync(profileId.ToString(), key), "Counted twice, she would have left an 'exactly once' audience.");
        var history = await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/audiences/profiles/{profileId}/history");
        Assert.Single(history.GetProperty("data").EnumerateArray(), entry => entry.GetProperty("audienceKey").GetString() == key);
    }

    [Fact]
    public async Task An_audience_created_later_is_computed_over_the_profiles_that_already_exist()
    {
        var searcher = Guid.NewGuid();
        var redeemer = Guid.NewGuid();
        var tag = Guid.NewGuid().ToString("N");
        await _bus.PublishAsync(ProfileEventBus.Tracked(searcher, $"searcher-{tag}", "Provider Searched", new { tag }));
        await _bus.PublishAsync(ProfileEventBus.Tracked(redeemer, $"redeemer-{tag}", "Provider Searched", new { tag }));
        await _bus.PublishAsync(ProfileEventBus.Tracked(redeemer, $"redeemer-{tag}", "Offer Redeemed", new { tag }));
        await Eventually.TrueAsync(async () => await LastEventAsync(redeemer) == "Offer Redeemed" && await LastEventAsync(searcher) is not null,
            s_timeout, "both profiles known");

        var key = AudiencesApiClient.UniqueKey("later");
        await _api.CreateAudienceAsync(key, $$$"""
            {"and": [{"event": "Provider Searched", "where": [{"property": "tag", "operator": "equals", "value": "{{{tag}}}"}], "within": "30d"},
                     {"not": {"event": "Offer Redeemed"}}]}
            """);
        var computed = await _api.WaitUntilComputedAsync(key);

        Assert.Equal(1, computed.GetProperty("size").GetInt64());
        var member = Assert.Single(await _api.MembersAsync(key));
        Assert.Equal(searcher, member.GetProperty("profileId").GetGuid());
        await Eventually.GetAsync(() => Task.FromResult(_bus.MembershipChanges.FirstOrDefault(change => change.ProfileId == searcher && change.AudienceKey == key)),
            s_timeout, "the batch entry published");
    }

    private Task<string?> LastEventAsync(Guid profileId) => new AudiencesDatabase(app).LastEventAsync(profileId);

    /// <summary>A wait that timed out, told with what Audiences holds of the profile, its dead letters and what it logged.</summary>
    private async Task ExplainingTimeoutAsync(Guid profileId, string key, Func<Task> wait)
    {
        try
        {
            await wait();
        }
        catch (TimeoutException timeout)
        {
            async Task<string> ReadAsync(string path) => await (await app.AdminGateway.GetAsync(path)).Content.ReadAsStringAsync();
            throw new TimeoutException($"""
                {timeout.Message}
                Audiences' copy of the profile: last event {await LastEventAsync(profileId) ?? "none (not stored)"}.
                Her profile: {await ReadAsync($"/api/audiences/profiles/{profileId}")}
                Her history: {await ReadAsync($"/api/audiences/profiles/{profileId}/history")}
                The audience: {await ReadAsync($"/api/audiences/{key}")}
                Its history: {await ReadAsync($"/api/audiences/{key}/history")}
                Audiences' dead letters: {await ReadAsync("/api/audiences/dead-letters")}
                {await app.RecentProblemsAsync("audiences")}
                """, timeout);
        }
    }
}
