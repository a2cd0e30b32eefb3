using Alle.Ingestion.Sources;

namespace Alle.UnitTests.Ingestion;

public sealed class SourceVolumeTests
{
    [Fact]
    public void Every_hour_of_the_window_is_present_oldest_first_with_zero_when_nothing_came()
    {
        var now = new DateTimeOffset(2026, 3, 1, 10, 42, 7, TimeSpan.Zero);
        var counts = new Dictionary<DateTimeOffset, long>
        {
            [new DateTimeOffset(2026, 3, 1, 10, 0, 0, TimeSpan.Zero)] = 7,
            [new DateTimeOffset(2026, 2, 28, 11, 0, 0, TimeSpan.Zero)] = 3,
            [new DateTimeOffset(2026, 2, 28, 10, 0, 0, TimeSpan.Zero)] = 99, // 25 hours ago: outside the window
        };

        var volume = SourceVolume.FromCounts("portal", now, 24, counts, null);

        Assert.Equal(24, volume.Hours.Count);
        Assert.Equal(new DateTimeOffset(2026, 2, 28, 11, 0, 0, TimeSpan.Zero), volume.Hours[0].Hour);
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 10, 0, 0, TimeSpan.Zero), volume.Hours[^1].Hour);
        Assert.Equal(3, volume.Hours[0].Events);
        Assert.Equal(7, volume.LastHour);
        Assert.Equal(10, volume.Hours.Sum(h => h.Events));
        Assert.Null(volume.LastEvent);
    }

    [Fact]
    public void An_instant_falls_in_its_utc_hour()
    {
        var local = new DateTimeOffset(2026, 3, 1, 3, 59, 59, TimeSpan.FromHours(-5));

        Assert.Equal(new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero), SourceVolume.HourOf(local));
    }
}
