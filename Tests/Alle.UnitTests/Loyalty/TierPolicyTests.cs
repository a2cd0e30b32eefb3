using Alle.Loyalty.Tiers;

namespace Alle.UnitTests.Loyalty;

public sealed class TierPolicyTests
{
    private readonly TierPolicy _tiers = new([
        new TierDefinition { Key = "a-list", Threshold = 1500 },
        new TierDefinition { Key = "member", Threshold = 0 },
        new TierDefinition { Key = "gold", Threshold = 750 },
    ]);

    [Theory]
    [InlineData(0, "member")]
    [InlineData(749, "member")]
    [InlineData(750, "gold")]
    [InlineData(1499, "gold")]
    [InlineData(1500, "a-list")]
    [InlineData(9000, "a-list")]
    public void The_tier_is_the_highest_whose_threshold_the_rolling_points_reach(int points, string tier) =>
        Assert.Equal(tier, _tiers.For(points).Key);

    [Fact]
    public void The_next_tier_is_the_lowest_threshold_not_yet_reached()
    {
        Assert.Equal("gold", _tiers.Next(100)!.Key);
        Assert.Equal("a-list", _tiers.Next(750)!.Key);
        Assert.Null(_tiers.Next(1500));
        Assert.Equal("member", _tiers.Base.Key);
    }
}
