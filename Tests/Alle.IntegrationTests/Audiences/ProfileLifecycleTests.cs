using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Alle.Contracts;

namespace Alle.IntegrationTests.Audiences;

/// <summary>Merges, deletions, and our own calls coming back as profile updates.</summary>
[Collection(StackCollection.Name)]
public sealed class ProfileLifecycleTests(DistributedAppFixture app) : IAsyncLifetime
{
    // Generous on purpose: the suite shares two cores with everything else; latency is a benchmark's business, not a test's.
    private static readonly TimeSpan s_realTime = TimeSpan.FromSeconds(30);
    private readonly AudiencesApiClient _api = new(app);
    private readonly AudiencesDatabase _database = new(app);
    private ProfileEventBus _bus = null!;

    public async Task InitializeAsync() => _bus = await ProfileEventBus.StartAsync(app);

    public async Task DisposeAsync() => await _bus.DisposeAsync();

    [Fact]
    public async Task A_merge_moves_the_merged_profile_s_events_to_the_survivor_and_re_evaluates_her()
    {
        var key = AudiencesApiClient.UniqueKey("merge-north-star");
        var tag = AudiencesApiClient.NewTag();
        await _api.CreateAudienceAsync(key, AudiencesApiClient.NorthStarCondition(tag));
        await _api.WaitUntilComputedAsync(key);
        var survivor = Guid.NewGuid();
        var anonymous = Guid.NewGuid();
        var userId = $"member-{Guid.NewGuid():N}";
        await _bus.PublishAsync(ProfileEventBus.Tracked(survivor, userId, "Provider Searched", new { tag }));
        await _bus.PublishAsync(ProfileEventBus.Tracked(anonymous, null, "Offer Redeemed"));
        await Eventually.TrueAsync(() => _api.IsMemberAsync(survivor.ToString(), key), s_realTime, "the survivor's entry");
        await Eventually.TrueAsync(async () => await _database.LastEventAsync(anonymous) == "Offer Redeemed", s_realTime, "the anonymous redemption");

        await _bus.PublishAsync(new ProfilesMerged(survivor, [anonymous], Guid.NewGuid().ToString(), DateTimeOffset.UtcNow));

        await Eventually.TrueAsync(async () => !await _api.IsMemberAsync(survivor.ToString(), key), s_realTime, "the survivor's exit: she redeemed after all");
        Assert.Null(await _api.ProfileAsync(anonymous.ToString()));
        Assert.Equal(2, await _database.ScalarAsync<long>("SELECT count(*) FROM events WHERE profile_id = $1", survivor));

        // A late message about the merged profile lands on the survivor.
        await _bus.PublishAsync(ProfileEventBus.Tracked(anonymous, null, "Late Event"));
        await Eventually.TrueAsync(async () => await _database.LastEventAsync(survivor) == "Late Event", s_realTime, "the late event on the survivor");
    }

    [Fact]
    public async Task A_deleted_person_leaves_nothing_behind_and_the_deletion_is_reported()
    {
        var key = AudiencesApiClient.UniqueKey("deleted-searchers");
        var eventName = $"Provider Searched {Guid.NewGuid():N}";
        await _api.CreateAudienceAsync(key, $$"""{"event": "{{eventName}}"}""");
        var userId = $"member-{Guid.NewGuid():N}";
        var email = $"maria-{Guid.NewGuid():N}@example.com";
        // Her profile id is Profiles' own: our Audience Entered call travels the real pipeline and comes back about her.
        var profileId = await _api.ProfileIdFromProfilesAsync(userId);
        await _bus.PublishAsync(ProfileEventBus.Identified(profileId, userId, new { email, plan = "gold" }));
        await _bus.PublishAsync(ProfileEventBus.Tracked(profileId, userId, eventName, new { zip = "10001" }));
        await Eventually.TrueAsync(() => _api.IsMemberAsync(profileId.ToString(), key), s_realTime, "her entry");
        var entered = Assert.Single(await Eventually.GetAsync(async () => await _database.CallsAsync(profileId) is { Count: > 0 } found ? found : null,
            s_realTime, "the Audience Entered call queued"));
        var regulationId = $"reg-{Guid.NewGuid():N}";

        await _bus.PublishAsync(new ProfileDeleted(regulationId, profileId,
            [new Identifier("user_id", userId), new Identifier("email", email)], DateTimeOffset.UtcNow));

        // Every service holding personal data answers the deletion; this test is about Audiences' answer.
        var report = await Eventually.GetAsync(() => Task.FromResult(_bus.Deletions.FirstOrDefault(deletion =>
            deletion.RegulationId == regulationId && deletion.Service == "audiences")), TimeSpan.FromSeconds(10), "PersonalDataDeleted from audiences");
        Assert.Equal(profileId, report.ProfileId);
        Assert.True(report.RowsDeleted >= 3, $"Only {report.RowsDeleted} rows reported.");

        Assert.Null(await _api.ProfileAsync(profileId.ToString()));
        Assert.Null(await _api.ProfileAsync($"user_id:{userId}"));
        foreach (var table in new[] { "events", "memberships", "computed_values", "profile_due", "membership_history" })
        {
            Assert.Equal(0, await _database.ScalarAsync<long>($"SELECT count(*) FROM {table} WHERE profile_id = $1", profileId));
        }
        Assert.Equal(0, await _database.ScalarAsync<long>("SELECT count(*) FROM outbox_messages WHERE payload::text LIKE $1", $"%{userId}%"));
        // Her entry and exit still count in the audience's history, anonymously.
        var history = await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/audiences/{key}/history");
        Assert.Equal(["exited:deleted", "entered:event"], history.GetProperty("data").EnumerateArray()
            .Select(entry => $"{entry.GetProperty("change").GetString()}:{entry.GetProperty("reason").GetString()}"));
        Assert.All(history.GetProperty("data").EnumerateArray(), entry => Assert.Equal(JsonValueKind.Null, entry.GetProperty("profileId").ValueKind));

        // A late update about her does not bring her back; nor does our own call about her, sent before the deletion and
        // resolved by Profiles after it into a new profile.
        await _bus.PublishAsync(ProfileEventBus.Tracked(profileId, userId, eventName));
        await _bus.PublishAsync(ProfileEventBus.Returning(Guid.NewGuid(), userId, entered));
        var marker = Guid.NewGuid();
        await _bus.PublishAsync(ProfileEventBus.Tracked(marker, null, "Marker"));
        await Eventually.TrueAsync(async () => await _database.LastEventAsync(marker) == "Marker", s_realTime, "a later message handled");
        Assert.Equal(HttpStatusCode.NotFound, (await _api.Http.GetAsync($"/api/audiences/profiles/{profileId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _api.Http.GetAsync($"/api/audiences/profiles/user_id:{userId}")).StatusCode);
    }

    [Fact]
    public async Task A_deletion_racing_her_first_updates_leaves_nothing_behind()
    {
        var eventName = $"Provider Searched {Guid.NewGuid():N}";
        var key = AudiencesApiClient.UniqueKey("racing-deletion");
        await _api.CreateAudienceAsync(key, $$"""{"event": "{{eventName}}"}""");
        await _api.WaitUntilComputedAsync(key);
        var people = Enumerable.Range(0, 20).Select(_ => (ProfileId: Guid.NewGuid(), UserId: $"member-{Guid.NewGuid():N}", Regulation: $"reg-{Guid.NewGuid():N}")).ToList();

        // Her update and her deletion arrive together and are consumed concurrently, as when Profiles deletes a person
        // whose last events are still in flight.
        foreach (var (profileId, userId, regulation) in people)
        {
            await _bus.PublishAsync(ProfileEventBus.Tracked(profileId, userId, eventName));
            await _bus.PublishAsync(new ProfileDeleted(regulation, profileId, [new Identifier("user_id", userId)], DateTimeOffset.UtcNow));
            await _bus.PublishAsync(ProfileEventBus.Tracked(profileId, userId, eventName));
        }
        await Eventually.TrueAsync(() => Task.FromResult(people.All(person =>
            _bus.Deletions.Any(deletion => deletion.RegulationId == person.Regulation && deletion.Service == "audiences"))), TimeSpan.FromSeconds(30), "every deletion reported");
        var marker = Guid.NewGuid();
        await _bus.PublishAsync(ProfileEventBus.Tracked(marker, null, "Marker"));
        await Eventually.TrueAsync(async () => await _database.LastEventAsync(marker) == "Marker", s_realTime, "the later messages handled");

        var ids = people.Select(person => person.ProfileId).ToArray();
        foreach (var table in new[] { "profiles", "events", "memberships", "membership_history" })
        {
            Assert.Equal(0, await _database.ScalarAsync<long>($"SELECT count(*) FROM {table} WHERE profile_id = ANY($1)", ids));
        }
        Assert.Equal(0, await _database.ScalarAsync<long>("SELECT count(*) FROM outbox_messages WHERE ordering_key IN (SELECT 'profile:' || id FROM unnest($1::uuid[]) AS id)", ids));
    }

    [Fact]
    public async Task Our_own_audience_events_and_trait_identifies_coming_back_cause_no_new_calls()
    {
        var key = AudiencesApiClient.UniqueKey("loop");
        var eventName = $"Provider Searched {Guid.NewGuid():N}";
        await _api.CreateAudienceAsync(key, $$"""{"event": "{{eventName}}"}""");
        var trait = $"loop_{Guid.NewGuid():N}"[..20];
        (await _api.Http.PostAsJsonAsync("/api/audiences/computed-traits", new
        {
            key = trait,
            name = "Searches",
            definition = new { kind = "counter", @event = eventName },
        })).EnsureSuccessStatusCode();
        var profileId = Guid.NewGuid();
        var userId = $"member-{Guid.NewGuid():N}";
        await _bus.PublishAsync(ProfileEventBus.Tracked(profileId, userId, eventName));
        await Eventually.TrueAsync(() => _api.IsMemberAsync(profileId.ToString(), key), s_realTime, "her entry");
        var calls = await Eventually.GetAsync(async () => await _database.CallsAsync(profileId) is { Count: >= 2 } found ? found : null,
            s_realTime, "the entry event and the trait identify queued");
        await Eventually.GetAsync(() => Task.FromResult(_bus.MembershipChanges.FirstOrDefault(change => change.ProfileId == profileId)), s_realTime, "the entry published");

        // What ingestion and Profiles would hand back: our track event and our identify, as profile updates.
        foreach (var call in calls)
        {
            await _bus.PublishAsync(ProfileEventBus.Returning(profileId, userId, call));
        }
        await _bus.PublishAsync(ProfileEventBus.Tracked(profileId, userId, "Marker"));
        await Eventually.TrueAsync(async () => await _database.LastEventAsync(profileId) == "Marker", s_realTime, "the returning calls handled");

        Assert.Equal(calls.Count, (await _database.CallsAsync(profileId)).Count);
        Assert.Single(_bus.MembershipChanges, change => change.ProfileId == profileId);
    }
}
