using System.Text.Json;
using Alle.Audiences.Conditions;
using Alle.Audiences.Definitions;

namespace Alle.UnitTests.Audiences;

public sealed class KnownMembersTests
{
    private static readonly DateTimeOffset s_now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly Condition s_searched = ConditionParser.Parse("""{"event": "Provider Searched", "within": "30d"}""").Condition!;

    private static ProfileFacts Facts(string? userId) => new()
    {
        UserId = userId,
        Events = [new ProfileEvent("m1", "Provider Searched", JsonDocument.Parse("{}").RootElement.Clone(), s_now.AddDays(-1))],
    };

    [Fact]
    public void An_anonymous_profile_satisfying_the_condition_is_not_a_member_of_a_known_members_only_audience_until_identified()
    {
        var restricted = KnownMembers.Restrict(s_searched, knownMembersOnly: true);

        Assert.True(ConditionEvaluator.Evaluate(s_searched, Facts(null), s_now));
        Assert.False(ConditionEvaluator.Evaluate(restricted, Facts(null), s_now));
        Assert.True(ConditionEvaluator.Evaluate(restricted, Facts("member-1"), s_now));
    }

    [Fact]
    public void Without_the_option_the_condition_is_left_as_it_is()
    {
        Assert.Same(s_searched, KnownMembers.Restrict(s_searched, knownMembersOnly: false));
    }

    [Fact]
    public void The_batch_path_keeps_profiles_without_a_user_id_out_too()
    {
        var predicate = SqlPredicateCompiler.Compile(KnownMembers.Restrict(s_searched, true), Catalog.Empty, s_now);

        Assert.StartsWith("((p.user_id IS NOT NULL) AND ", predicate.Sql, StringComparison.Ordinal);
    }

    [Fact]
    public void A_profile_getting_a_user_id_re_evaluates_the_known_members_only_audiences_and_nothing_else()
    {
        var restricted = new AudienceDefinition(Guid.NewGuid(), "known", "Known", KnownMembers.Restrict(s_searched, true));
        var open = new AudienceDefinition(Guid.NewGuid(), "open", "Open", s_searched);
        var catalog = new Catalog(1, [restricted, open], [], []);

        var affected = catalog.AudiencesAffectedBy(new ProfileChange { IdentifiersChanged = true });

        Assert.Equal(["known"], affected.Select(audience => audience.Key));
    }
}
