using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Alle.Contracts;

namespace Alle.IntegrationTests.Audiences;

/// <summary>Merges, deletions, and our own calls coming back as profile updates.</summary>
[Collection(StackCollection.Name)]
public sealed class ProfileLifecycleTests(DistributedAppFixture app) : IAsyncLifetime
{
    private static readonly TimeSpan s_realTime = TimeSpan.FromSeconds(5);
    private readonly AudiencesApiClient _api = new(app);
    private readonly AudiencesDatabase _database = new(app);
    private ProfileEventBus _bus = null!;

    public async Task InitializeAsync() => _bus = await ProfileEventBus.StartAsync(app);

    public async Task DisposeAsync() => await _bus.DisposeAsync();

    [Fact]
    public async Task A_merge_moves_the_merged_profile_s_events_to_the_survivor_and_re_evaluates_her()
    {
        var key = AudiencesApiClient.UniqueKey("merge-north-star");
        await _api.CreateAudienceAsync(key, AudiencesApiClient.NorthStarCondition);
        await _api.WaitUntilComputedAsync(key);
        var survivor = Guid.NewGuid();
        var anonymous = Guid.NewGuid();
        var userId = $"member-{Guid.NewGuid():N}";
        await _bus.PublishAsync(ProfileEventBus.Tracked(survivor, userId, "Provider Searched"));
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
        var profileId = Guid.NewGuid();
        var userId = $"member-{Guid.NewGuid():N}";
        await _bus.PublishAsync(ProfileEventBus.Identified(profileId, userId, new { email = "maria@example.com", plan = "gold" }));
        await _bus.PublishAsync(ProfileEventBus.Tracked(profileId, userId, eventName, new { zip = "10001" }));
        await Eventually.TrueAsync(() => _api.IsMemberAsync(profileId.ToString(), key), s_realTime, "her entry");
        var regulationId = $"reg-{Guid.NewGuid():N}";

        await _bus.PublishAsync(new ProfileDeleted(regulationId, profileId,
            [new Identifier("user_id", userId), new Identifier("email", "maria@example.com")], DateTimeOffset.UtcNow));

        var report = await Eventually.GetAsync(() => Task.FromResult(_bus.Deletions.FirstOrDefault(deletion => deletion.RegulationId == regulationId)),
            TimeSpan.FromSeconds(10), "PersonalDataDeleted");
        Assert.Equal("audiences", report.Service);
        Assert.Equal(profileId, report.ProfileId);
        Assert.True(report.RowsDeleted >= 3, $"Only {report.RowsDeleted} rows reported.");

        Assert.Null(await _api.ProfileAsync(profileId.ToString()));
        Assert.Null(await _api.ProfileAsync($"user_id:{userId}"));
        foreach (var table in new[] { "events", "memberships", "computed_values", "profile_due", "membership_history" })
        {
            Assert.Equal(0, await _database.ScalarAsync<long>($"SELECT count(*) FROM {table} WHERE profile_id = $1", profileId));
        }
        Assert.Equal(0, await _database.ScalarAsync<long>("SELECT count(*) FROM outbox WHERE payload::text LIKE $1", $"%{userId}%"));
        // Her entry and exit still count in the audience's history, anonymously.
        var history = await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/audiences/{key}/history");
        Assert.Equal(["exited:deleted", "entered:event"], history.GetProperty("data").EnumerateArray()
            .Select(entry => $"{entry.GetProperty("change").GetString()}:{entry.GetProperty("reason").GetString()}"));
        Assert.All(history.GetProperty("data").EnumerateArray(), entry => Assert.Equal(JsonValueKind.Null, entry.GetProperty("profileId").ValueKind));

        // A late update about her does not bring her back.
        await _bus.PublishAsync(ProfileEventBus.Tracked(profileId, userId, eventName));
        await _bus.PublishAsync(ProfileEventBus.Tracked(Guid.NewGuid(), null, "Marker"));
        await Eventually.TrueAsync(async () => await _database.ScalarAsync<long>("SELECT count(*) FROM events WHERE name = 'Marker'") > 0, s_realTime, "a later message handled");
        Assert.Equal(HttpStatusCode.NotFound, (await _api.Http.GetAsync($"/api/audiences/profiles/{profileId}")).StatusCode);
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
        foreach (var call in calls.Select(call => JsonDocument.Parse(call).RootElement))
        {
            var trigger = new TrackedEvent("audiences", call.GetProperty("messageId").GetString()!, call.GetProperty("type").GetString()!, userId, null,
                call.TryGetProperty("event", out var name) && name.ValueKind == JsonValueKind.String ? name.GetString() : null, null, null, null,
                call.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object ? properties.Clone() : null,
                call.TryGetProperty("traits", out var traits) && traits.ValueKind == JsonValueKind.Object ? traits.Clone() : null,
                call.GetProperty("context").Clone(), null, DateTimeOffset.UtcNow, null, null, DateTimeOffset.UtcNow);
            var changed = trigger.Traits is { } values ? values.EnumerateObject().ToDictionary(member => member.Name, member => member.Value.Clone()) : [];
            await _bus.PublishAsync(new ProfileUpdated(profileId, userId, changed, trigger, DateTimeOffset.UtcNow));
        }
        await _bus.PublishAsync(ProfileEventBus.Tracked(profileId, userId, "Marker"));
        await Eventually.TrueAsync(async () => await _database.LastEventAsync(profileId) == "Marker", s_realTime, "the returning calls handled");

        Assert.Equal(calls.Count, (await _database.CallsAsync(profileId)).Count);
        Assert.Single(_bus.MembershipChanges, change => change.ProfileId == profileId);
    }
}
