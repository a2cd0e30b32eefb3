using Alle.Contracts;
using Alle.Loyalty.Offers;

namespace Alle.UnitTests.Loyalty;

public sealed class MembershipChangesTests
{
    private static readonly DateTimeOffset s_noon = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static AudienceMembershipChanged Change(string audience, string? userId, bool entered, int minute) =>
        new(Guid.Empty, audience, Guid.NewGuid(), userId, entered, s_noon.AddMinutes(minute));

    [Fact]
    public void Each_member_keeps_only_the_latest_change_per_audience_whatever_the_delivery_order()
    {
        var latest = MembershipChanges.Latest(
        [
            Change("vip", "u1", entered: false, minute: 5),
            Change("vip", "u1", entered: true, minute: 1),
            Change("vip", "u2", entered: true, minute: 2),
            Change("flash", "u1", entered: true, minute: 3),
        ]);

        Assert.Equal(3, latest.Count);
        Assert.False(latest.Single(c => c is { AudienceKey: "vip", UserId: "u1" }).Entered);
        Assert.True(latest.Single(c => c is { AudienceKey: "vip", UserId: "u2" }).Entered);
        Assert.True(latest.Single(c => c is { AudienceKey: "flash", UserId: "u1" }).Entered);
    }

    [Fact]
    public void Of_two_changes_at_the_same_time_the_later_delivered_wins_as_one_by_one_it_would()
    {
        var latest = MembershipChanges.Latest([Change("vip", "u1", entered: true, minute: 1), Change("vip", "u1", entered: false, minute: 1)]);

        Assert.False(Assert.Single(latest).Entered);
    }

    [Fact]
    public void A_profile_without_a_user_id_is_not_recorded()
    {
        Assert.Empty(MembershipChanges.Latest([Change("vip", null, entered: true, minute: 1)]));
    }
}
