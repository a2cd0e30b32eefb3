using Alle.Loyalty;
using Alle.Loyalty.CheckIns;
using Alle.Loyalty.Providers;

namespace Alle.UnitTests.Loyalty;

public sealed class CheckInAndSearchTests
{
    private static readonly DateTimeOffset s_now = new(2026, 5, 4, 15, 0, 0, TimeSpan.Zero);
    private static readonly CheckInOptions s_options = new() { RepeatInterval = TimeSpan.FromHours(2), VisitLength = TimeSpan.FromHours(1) };

    private static CheckIn At(string provider, TimeSpan ago) => new($"chk_{provider}_{ago.TotalMinutes}", "mbr_a", provider, provider, null, s_now - ago);

    [Fact]
    public void A_first_check_in_is_allowed() => Assert.Null(CheckInRules.Refusal([], "p1", s_now, s_options));

    [Fact]
    public void Not_twice_at_the_same_provider_within_the_repeat_interval()
    {
        var refusal = Assert.IsType<CheckInRefusal.AlreadyHere>(CheckInRules.Refusal([At("p1", TimeSpan.FromMinutes(90))], "p1", s_now, s_options));
        Assert.Equal(s_now + TimeSpan.FromMinutes(30), refusal.AllowedFrom);
        Assert.Null(CheckInRules.Refusal([At("p1", TimeSpan.FromMinutes(121))], "p1", s_now, s_options));
    }

    [Fact]
    public void One_visit_at_a_time_elsewhere_until_the_visit_length_has_passed()
    {
        var refusal = Assert.IsType<CheckInRefusal.Elsewhere>(CheckInRules.Refusal([At("p1", TimeSpan.FromMinutes(20))], "p2", s_now, s_options));
        Assert.Equal("p1", refusal.Existing.ProviderId);
        Assert.Equal(s_now + TimeSpan.FromMinutes(40), refusal.AllowedFrom);
        Assert.Null(CheckInRules.Refusal([At("p1", TimeSpan.FromMinutes(61))], "p2", s_now, s_options));
    }

    [Theory]
    [InlineData("59801", "MT")]
    [InlineData("02116", "MA")]
    [InlineData("10001", "NY")]
    [InlineData("99501", "AK")]
    [InlineData("73301", "TX")]
    [InlineData("00601", null)]
    public void A_zip_the_directory_does_not_list_is_placed_in_its_state(string zip, string? state) =>
        Assert.Equal(state, ZipRegions.Find(zip)?.State);
}
