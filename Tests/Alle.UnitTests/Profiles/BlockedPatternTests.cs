using System.Text.RegularExpressions;
using Alle.Profiles.Identity;

namespace Alle.UnitTests.Profiles;

/// <summary>
/// Blocked-value patterns run in linear time, with no match timeout that a busy machine could trip: an identify must
/// never fail because the processor was shared.
/// </summary>
public sealed class BlockedPatternTests
{
    [Theory]
    [InlineData("", true)]
    [InlineData("0000", true)]
    [InlineData("00000000-0000-0000-0000-000000000000", true)]
    [InlineData("m-1001", false)]
    public void The_default_pattern_blocks_empty_values_zeros_and_dashes(string value, bool blocked) =>
        Assert.Equal(blocked, new IdentityRules().IsBlocked("user_id", value));

    [Fact]
    public void A_pattern_that_would_backtrack_catastrophically_is_answered_in_linear_time()
    {
        // (a+)+$ against a long run of a's ending in b takes exponential time with backtracking.
        var rules = new IdentityRules(new IdentityResolutionOptions { BlockedPatterns = ["^(a+)+$"] });

        Assert.False(rules.IsBlocked("user_id", new string('a', 5_000) + "b"));
        Assert.True(rules.IsBlocked("user_id", new string('a', 5_000)));
    }

    [Fact]
    public void A_pattern_the_linear_engine_cannot_run_is_refused_when_the_rules_are_built() =>
        Assert.Throws<NotSupportedException>(() => new IdentityRules(new IdentityResolutionOptions { BlockedPatterns = ["^(a)\\1$"] }));
}
