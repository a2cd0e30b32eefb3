using Alle.Loyalty.Points;
using Microsoft.Extensions.Time.Testing;

namespace Alle.UnitTests.Loyalty;

public sealed class PointsBalanceTests
{
    private static readonly TimeSpan s_hold = TimeSpan.FromHours(48);
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 5, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly List<LedgerEntry> _ledger = [];

    private LedgerEntry Earn(int points, string purchaseId)
    {
        var now = _clock.GetUtcNow();
        var entry = new LedgerEntry(_ledger.Count + 1, EntryKind.Earn, points, now + s_hold, now, purchaseId);
        _ledger.Add(entry);
        return entry;
    }

    private PointsBalance Balance => PointsBalance.At(_ledger, _clock.GetUtcNow());

    [Fact]
    public void New_points_are_pending_until_the_hold_has_passed_then_available()
    {
        Earn(200, "p1");
        Assert.Equal((0, 200), (Balance.Available, Balance.Pending));

        _clock.Advance(s_hold - TimeSpan.FromSeconds(1));
        Assert.Equal((0, 200), (Balance.Available, Balance.Pending));

        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal((200, 0), (Balance.Available, Balance.Pending));
    }

    [Fact]
    public void Refunding_a_purchase_on_hold_cancels_its_pending_points_and_never_touches_available_ones()
    {
        Earn(500, "old");
        _clock.Advance(s_hold);
        var pending = Earn(200, "new");

        var reversal = Balance.Reverse(pending, _clock.GetUtcNow());
        _ledger.Add(new LedgerEntry(3, EntryKind.Reverse, -reversal.Points, reversal.AvailableAt, _clock.GetUtcNow(), "new"));

        Assert.Equal((500, 0), (Balance.Available, Balance.Pending));
        _clock.Advance(s_hold);
        Assert.Equal((500, 0), (Balance.Available, Balance.Pending));
    }

    [Fact]
    public void Refunding_after_the_points_were_spent_takes_back_only_what_is_left()
    {
        var earn = Earn(500, "p1");
        _clock.Advance(s_hold);
        _ledger.Add(new LedgerEntry(2, EntryKind.Redeem, -400, _clock.GetUtcNow(), _clock.GetUtcNow(), null));

        var reversal = Balance.Reverse(earn, _clock.GetUtcNow());

        Assert.Equal((100, 400), (reversal.Points, reversal.Unrecovered));
        _ledger.Add(new LedgerEntry(3, EntryKind.Reverse, -reversal.Points, reversal.AvailableAt, _clock.GetUtcNow(), "p1"));
        Assert.Equal(0, Balance.Available);
    }

    [Fact]
    public void Redemptions_are_positive_multiples_of_the_step_within_the_available_balance()
    {
        Earn(350, "p1");
        Assert.Equal(RedemptionCheck.InsufficientPoints, Balance.CheckRedemption(100, 100));

        _clock.Advance(s_hold);
        Assert.Equal(RedemptionCheck.Allowed, Balance.CheckRedemption(300, 100));
        Assert.Equal(RedemptionCheck.InsufficientPoints, Balance.CheckRedemption(400, 100));
        Assert.Equal(RedemptionCheck.NotAMultipleOfStep, Balance.CheckRedemption(150, 100));
        Assert.Equal(RedemptionCheck.NotAMultipleOfStep, Balance.CheckRedemption(0, 100));
        Assert.Equal(RedemptionCheck.NotAMultipleOfStep, Balance.CheckRedemption(-100, 100));
    }

    [Fact]
    public void Spending_written_with_a_later_timestamp_than_the_readers_clock_still_comes_out_of_available_points()
    {
        Earn(500, "p1");
        _clock.Advance(s_hold);
        // Another replica, its clock a little ahead, recorded a redemption.
        var ahead = _clock.GetUtcNow().AddMilliseconds(40);
        _ledger.Add(new LedgerEntry(2, EntryKind.Redeem, -500, ahead, ahead, null));

        Assert.Equal((0, 0), (Balance.Available, Balance.Pending));
        Assert.Equal(RedemptionCheck.InsufficientPoints, Balance.CheckRedemption(100, 100));
    }

    [Fact]
    public void Points_earned_in_the_rolling_year_drop_out_after_365_days_and_count_reversals()
    {
        Earn(1000, "p1");
        _clock.Advance(TimeSpan.FromDays(200));
        Earn(600, "p2");
        _ledger.Add(new LedgerEntry(3, EntryKind.Reverse, -600, _clock.GetUtcNow() + s_hold, _clock.GetUtcNow(), "p2"));
        _ledger.Add(new LedgerEntry(4, EntryKind.Redeem, -100, _clock.GetUtcNow(), _clock.GetUtcNow(), null));
        Assert.Equal(1000, Balance.EarnedInRollingYear);

        _clock.Advance(TimeSpan.FromDays(166));
        Assert.Equal(0, Balance.EarnedInRollingYear);
        Assert.Equal(900, Balance.Available);
    }
}
