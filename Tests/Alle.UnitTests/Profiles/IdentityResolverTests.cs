using Alle.Contracts;
using Alle.Profiles.Identity;

namespace Alle.UnitTests.Profiles;

/// <summary>The merge rules, case by case: who becomes one person and who never does.</summary>
public sealed class IdentityResolverTests
{
    private static readonly IdentityRules s_rules = new();

    private static Identifier UserId(string value) => new(IdentifierTypes.UserId, value);
    private static Identifier Anonymous(string value) => new(IdentifierTypes.AnonymousId, value);
    private static Identifier Phone(string value) => new(IdentifierTypes.Phone, value);
    private static Identifier Email(string value) => new(IdentifierTypes.Email, value);

    private static Resolution Resolve(IdentityGraph graph, params Identifier[] identifiers) => Resolve(graph, s_rules, identifiers);

    private static Resolution Resolve(IdentityGraph graph, IdentityRules rules, params Identifier[] identifiers)
    {
        var resolution = IdentityResolver.Resolve(identifiers, graph, rules, Guid.NewGuid)!;
        graph.Apply(resolution);
        return resolution;
    }

    [Fact]
    public void An_event_matching_nothing_creates_a_profile_with_all_its_identifiers()
    {
        var graph = new IdentityGraph();

        var resolution = Resolve(graph, UserId("m1"), Phone("+15555550100"));

        Assert.True(resolution.IsNewProfile);
        Assert.Equal([UserId("m1"), Phone("+15555550100")], resolution.AddedIdentifiers);
        Assert.Equal(resolution.ProfileId, graph.OwnerOf(Phone("+15555550100")));
    }

    [Fact]
    public void Anonymous_browsing_then_sign_in_stays_one_profile()
    {
        var graph = new IdentityGraph();
        var browsing = Resolve(graph, Anonymous("a1"));

        var signIn = Resolve(graph, Anonymous("a1"), UserId("m1"));

        Assert.Equal(browsing.ProfileId, signIn.ProfileId);
        Assert.False(signIn.IsNewProfile);
        Assert.Equal([UserId("m1")], signIn.AddedIdentifiers);
        Assert.Empty(signIn.Dropped);
    }

    [Fact]
    public void A_member_added_by_her_provider_then_joining_herself_with_the_same_phone_is_merged_into_the_provider_created_profile()
    {
        var graph = new IdentityGraph();
        var providerCreated = Resolve(graph, UserId("m1"), Phone("+15555550100"));
        var browsing = Resolve(graph, Anonymous("a1"));

        var selfJoin = Resolve(graph, Anonymous("a1"), Phone("+15555550100"));

        Assert.Equal(providerCreated.ProfileId, selfJoin.ProfileId);
        Assert.Equal([browsing.ProfileId], selfJoin.AbsorbedProfiles);
        Assert.Equal([Phone("+15555550100")], selfJoin.MatchedBy[providerCreated.ProfileId]);
        Assert.Equal([Anonymous("a1")], selfJoin.MatchedBy[browsing.ProfileId]);
        Assert.Equal(providerCreated.ProfileId, graph.OwnerOf(Anonymous("a1")));
        Assert.Equal(providerCreated.ProfileId, graph.SurvivorOf(browsing.ProfileId));
    }

    [Fact]
    public void Two_people_sharing_a_device_keep_separate_profiles_and_the_device_stays_with_the_first()
    {
        var graph = new IdentityGraph();
        var first = Resolve(graph, Anonymous("ipad"), UserId("m1"));

        var second = Resolve(graph, Anonymous("ipad"), UserId("m2"));

        Assert.True(second.IsNewProfile);
        Assert.NotEqual(first.ProfileId, second.ProfileId);
        Assert.Equal([UserId("m2")], second.AddedIdentifiers);
        var dropped = Assert.Single(second.Dropped);
        Assert.Equal(Anonymous("ipad"), dropped.Identifier);
        Assert.Equal(first.ProfileId, dropped.ConflictingProfileId);
        Assert.Contains("user_id", dropped.Reason);
        Assert.Equal(first.ProfileId, graph.OwnerOf(Anonymous("ipad")));
    }

    [Fact]
    public void Conflicting_user_ids_with_a_shared_phone_are_never_merged()
    {
        var graph = new IdentityGraph();
        var first = Resolve(graph, UserId("m1"), Phone("+15555550100"));

        var second = Resolve(graph, UserId("m2"), Phone("+15555550100"), Email("two@example.com"));

        Assert.True(second.IsNewProfile);
        Assert.Equal([UserId("m2"), Email("two@example.com")], second.AddedIdentifiers);
        Assert.Equal(Phone("+15555550100"), Assert.Single(second.Dropped).Identifier);
        Assert.Equal(first.ProfileId, graph.OwnerOf(Phone("+15555550100")));
    }

    [Fact]
    public void A_second_phone_is_refused_by_the_phone_limit_but_the_event_still_attaches()
    {
        var graph = new IdentityGraph();
        var member = Resolve(graph, UserId("m1"), Phone("+15555550100"));

        var update = Resolve(graph, UserId("m1"), Phone("+15555550199"));

        Assert.Equal(member.ProfileId, update.ProfileId);
        Assert.Empty(update.AddedIdentifiers);
        Assert.Equal(Phone("+15555550199"), Assert.Single(update.Dropped).Identifier);
        Assert.Null(graph.OwnerOf(Phone("+15555550199")));
    }

    [Fact]
    public void Emails_are_limited_to_five_and_anonymous_ids_are_unbounded()
    {
        var graph = new IdentityGraph();
        var member = Resolve(graph, UserId("m1"));
        for (var i = 0; i < 5; i++)
        {
            Assert.Empty(Resolve(graph, UserId("m1"), Email($"e{i}@example.com")).Dropped);
        }
        for (var i = 0; i < 50; i++)
        {
            Assert.Empty(Resolve(graph, UserId("m1"), Anonymous($"device-{i}")).Dropped);
        }

        var sixth = Resolve(graph, UserId("m1"), Email("e5@example.com"));

        Assert.Equal(Email("e5@example.com"), Assert.Single(sixth.Dropped).Identifier);
        Assert.Equal(55, graph.IdentitiesOf(member.ProfileId).Count - 1);
    }

    [Fact]
    public void Alias_chains_link_every_previous_anonymous_id_to_the_user()
    {
        var graph = new IdentityGraph();
        var first = Resolve(graph, Alias("a1", "m1", graph));
        var second = Resolve(graph, Alias("a2", "m1", graph));

        var later = Resolve(graph, Anonymous("a2"));

        Assert.Equal(first.ProfileId, second.ProfileId);
        Assert.Equal(first.ProfileId, later.ProfileId);
        Assert.Equal(first.ProfileId, graph.OwnerOf(Anonymous("a1")));
    }

    [Fact]
    public void Aliasing_one_user_id_to_another_is_refused_by_the_user_id_limit()
    {
        var graph = new IdentityGraph();
        var old = Resolve(graph, UserId("old"));

        var renamed = Resolve(graph, Alias("old", "new", graph));

        Assert.NotEqual(old.ProfileId, renamed.ProfileId);
        Assert.Equal(UserId("old"), Assert.Single(renamed.Dropped).Identifier);
    }

    [Fact]
    public void Profiles_an_operator_split_are_not_merged_again()
    {
        var graph = new IdentityGraph();
        var first = Resolve(graph, UserId("m1"), Email("shared@example.com"));
        var second = Resolve(graph, Anonymous("a9"));
        graph.Block(first.ProfileId, second.ProfileId);

        var again = Resolve(graph, Email("shared@example.com"), Anonymous("a9"));

        Assert.Equal(first.ProfileId, again.ProfileId);
        Assert.Empty(again.AbsorbedProfiles);
        Assert.Equal(Anonymous("a9"), Assert.Single(again.Dropped).Identifier);
    }

    [Fact]
    public void The_priority_order_decides_which_identifier_gives_way()
    {
        // With email above user_id, the e-mail's profile wins and the unknown user id is the one dropped.
        var rules = new IdentityRules(new IdentityResolutionOptions { Priority = ["email", "user_id"] });
        var graph = new IdentityGraph();
        var first = Resolve(graph, rules, UserId("m1"), Email("jane@example.com"));

        var second = Resolve(graph, rules, UserId("m2"), Email("jane@example.com"));

        Assert.Equal(first.ProfileId, second.ProfileId);
        Assert.Equal(UserId("m2"), Assert.Single(second.Dropped).Identifier);
    }

    [Fact]
    public void A_merge_of_three_profiles_folds_them_into_the_one_matched_by_the_highest_priority_identifier()
    {
        var graph = new IdentityGraph();
        var byEmail = Resolve(graph, Email("jane@example.com"));
        var byDevice = Resolve(graph, Anonymous("a1"));
        var byPhone = Resolve(graph, Phone("+15555550100"));

        var joined = Resolve(graph, Anonymous("a1"), Email("jane@example.com"), Phone("+15555550100"), UserId("m1"));

        Assert.Equal(byPhone.ProfileId, joined.ProfileId);
        Assert.Equal([byEmail.ProfileId, byDevice.ProfileId], joined.AbsorbedProfiles);
        Assert.Equal([UserId("m1")], joined.AddedIdentifiers);
        Assert.Equal(4, graph.IdentitiesOf(byPhone.ProfileId).Count);
    }

    [Fact]
    public void A_profile_already_over_a_tightened_limit_keeps_receiving_events()
    {
        var graph = new IdentityGraph();
        var profile = Guid.NewGuid();
        graph.Attach(Email("a@example.com"), profile);
        graph.Attach(Email("b@example.com"), profile);
        var rules = new IdentityRules(new IdentityResolutionOptions { Limits = new() { ["email"] = 1 } });

        var resolution = Resolve(graph, rules, Email("a@example.com"), Anonymous("a1"));

        Assert.Equal(profile, resolution.ProfileId);
        Assert.Empty(resolution.Dropped);
    }

    private static Identifier[] Alias(string previousId, string userId, IdentityGraph graph) =>
        [.. new EventIdentifiers([UserId(userId)], previousId).For(graph)];
}
