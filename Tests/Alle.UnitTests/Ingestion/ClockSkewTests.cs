using Alle.Ingestion.Tracking;

namespace Alle.UnitTests.Ingestion;

public sealed class ClockSkewTests
{
    private static readonly DateTimeOffset s_receivedAt = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_slow_device_clock_is_moved_forward()
    {
        var original = s_receivedAt.AddHours(-2).AddMinutes(-1);
        var sentAt = s_receivedAt.AddHours(-2);

        Assert.Equal(s_receivedAt.AddMinutes(-1), ClockSkew.CorrectedTimestamp(s_receivedAt, original, sentAt));
    }

    [Fact]
    public void Without_sent_at_the_client_time_stands_and_without_any_time_the_event_happened_on_arrival()
    {
        var original = s_receivedAt.AddDays(-3);

        Assert.Equal(original, ClockSkew.CorrectedTimestamp(s_receivedAt, original, null));
        Assert.Equal(s_receivedAt, ClockSkew.CorrectedTimestamp(s_receivedAt, null, s_receivedAt.AddSeconds(5)));
    }
}
