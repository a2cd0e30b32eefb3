using Alle.Platform.Durations;

namespace Alle.UnitTests.Platform;

/// <summary>The one way spans are written (audience windows, computed traits, journey waits, timeouts and goals).</summary>
public sealed class DurationTests
{
    private static readonly TimeSpan s_tenYears = TimeSpan.FromDays(3650);

    [Theory]
    [InlineData("10s", 10, 10, DurationUnit.Seconds)]
    [InlineData("15m", 15 * 60, 15, DurationUnit.Minutes)]
    [InlineData("12h", 12 * 3600, 12, DurationUnit.Hours)]
    [InlineData("30d", 30 * 86400, 30, DurationUnit.Days)]
    [InlineData("2w", 14 * 86400, 2, DurationUnit.Weeks)]
    [InlineData("007d", 7 * 86400, 7, DurationUnit.Days)]
    public void A_span_is_a_positive_amount_and_a_unit_letter(string text, int seconds, int amount, DurationUnit unit)
    {
        Assert.True(Duration.TryParse(text, s_tenYears, out var duration));
        Assert.Equal(TimeSpan.FromSeconds(seconds), duration.Length);
        Assert.Equal((amount, unit), (duration.Amount, duration.Unit));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("d")]
    [InlineData("0d")]
    [InlineData("-1d")]
    [InlineData("+1d")]
    [InlineData("30")]
    [InlineData("30 d")]
    [InlineData(" 30d")]
    [InlineData("1.5h")]
    [InlineData("30D")]
    [InlineData("1y")]
    [InlineData("3651d")]
    [InlineData("2147483647w")]
    [InlineData("99999999999d")]
    public void Anything_else_or_longer_than_the_callers_limit_is_refused(string? text) =>
        Assert.False(Duration.TryParse(text, s_tenYears, out _));

    [Fact]
    public void The_limit_is_inclusive_and_each_caller_sets_its_own()
    {
        Assert.True(Duration.TryParse("365d", TimeSpan.FromDays(365), out _));
        Assert.False(Duration.TryParse("366d", TimeSpan.FromDays(365), out _));
        Assert.False(Duration.TryParse("53w", TimeSpan.FromDays(365), out _));
        Assert.True(Duration.TryParse("521w", s_tenYears, out _));
    }

    [Fact]
    public void Days_and_weeks_count_calendar_days_and_the_text_round_trips()
    {
        Assert.True(Duration.TryParse("2w", s_tenYears, out var weeks));
        Assert.True(Duration.TryParse("48h", s_tenYears, out var hours));

        Assert.True(weeks.IsCalendar);
        Assert.Equal(14, weeks.CalendarDays);
        Assert.False(hours.IsCalendar);
        Assert.Throws<InvalidOperationException>(() => hours.CalendarDays);
        Assert.Equal(["2w", "48h"], new[] { weeks.ToString(), hours.ToString() });
    }
}
