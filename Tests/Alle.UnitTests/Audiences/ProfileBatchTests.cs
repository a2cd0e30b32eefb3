using System.Text.Json;
using Alle.Audiences.ComputedTraits;
using Alle.Audiences.Conditions;
using Alle.Audiences.Definitions;
using Alle.Audiences.Profiles;
using Alle.Audiences.RealTime;
using Alle.Contracts;

namespace Alle.UnitTests.Audiences;

public sealed class ProfileBatchTests
{
    private static readonly DateTimeOffset s_now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly ComputedTrait s_searches = new(Guid.NewGuid(), "searches", "Searches",
        CatalogCache.ParseTrait("""{"kind": "counter", "event": "Provider Searched"}""")!);
    private static readonly Catalog s_catalog = new(1,
        [
            Audience("gold", """{"trait": "tier", "operator": "equals", "value": "gold"}"""),
            Audience("searched-once", """{"computedTrait": "searches", "operator": "equals", "value": 1}"""),
        ],
        [s_searches], []);

    [Fact]
    public void Two_updates_of_one_profile_are_applied_in_order_each_as_on_its_own()
    {
        var profileId = Guid.NewGuid();
        var profiles = new Dictionary<Guid, BatchProfile> { [profileId] = Profile(profileId, "member-1") };

        var facts = ProfileBatch.Apply(s_catalog, profiles, [
            Identified(profileId, "gold", s_now.AddSeconds(-2)),
            Identified(profileId, "silver", s_now.AddSeconds(-1)),
            Searched(profileId, "m1"),
            Searched(profileId, "m2"),
        ], new HashSet<(Guid, string)>(), s_now);

        Assert.Equal(["gold in", "gold out", "searches = 1 (v1)", "searched-once in", "searches = 2 (v2)", "searched-once out"], facts.Select(Describe));
        Assert.Equal("silver", profiles[profileId].State.Traits["tier"].GetString());
        Assert.True(profiles[profileId].Changed);
    }

    [Fact]
    public void An_update_whose_event_was_already_stored_changes_nothing()
    {
        var profileId = Guid.NewGuid();
        var profile = Profile(profileId, "member-1");
        profile.Events.Add(new ProfileEvent("m1", "Provider Searched", JsonDocument.Parse("{}").RootElement.Clone(), s_now));
        profile.Values[s_searches.Id] = new StoredValue(JsonDocument.Parse("1").RootElement.Clone(), 1);
        var profiles = new Dictionary<Guid, BatchProfile> { [profileId] = profile };
        var redelivered = Searched(profileId, "m1") with { NewEvent = null };

        Assert.Empty(ProfileBatch.Apply(s_catalog, profiles, [redelivered], new HashSet<(Guid, string)>(), s_now));
        Assert.False(profile.Changed);
    }

    [Fact]
    public void A_new_profile_is_evaluated_against_everything_on_her_first_update_only()
    {
        var profileId = Guid.NewGuid();
        var profile = Profile(profileId, null);
        profile.State.IsNew = true;
        var profiles = new Dictionary<Guid, BatchProfile> { [profileId] = profile };

        var facts = ProfileBatch.Apply(s_catalog, profiles, [Identified(profileId, "gold", s_now), Identified(profileId, "gold", s_now)],
            new HashSet<(Guid, string)>(), s_now);

        Assert.Equal(["gold in"], facts.Select(Describe));
        Assert.False(profile.State.IsNew);
    }

    private static BatchProfile Profile(Guid profileId, string? userId) =>
        new(new ProfileState(profileId, userId, [], []), [], [], []);

    private static BatchUpdate Identified(Guid profileId, string tier, DateTimeOffset at) =>
        new(profileId, new ProfileUpdated(profileId, null, new Dictionary<string, JsonElement> { ["tier"] = JsonSerializer.SerializeToElement(tier) }, null, at), null);

    private static BatchUpdate Searched(Guid profileId, string messageId)
    {
        var added = new ProfileEvent(messageId, "Provider Searched", JsonDocument.Parse("{}").RootElement.Clone(), s_now);
        return new BatchUpdate(profileId, new ProfileUpdated(profileId, null, new Dictionary<string, JsonElement>(), null, s_now), added);
    }

    private static string Describe(BatchFact fact) => fact switch
    {
        MembershipDecided change => $"{change.Audience.Key} {(change.Entered ? "in" : "out")}",
        ComputedValueDecided value => $"{value.Trait.Key} = {value.Value} (v{value.Version})",
        _ => fact.ToString(),
    };

    private static AudienceDefinition Audience(string key, string condition) =>
        new(Guid.NewGuid(), key, key, ConditionParser.Parse(condition).Condition!);
}
