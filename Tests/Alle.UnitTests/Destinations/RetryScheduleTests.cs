using System.Net.Http.Headers;
using Alle.Destinations.Delivery;

namespace Alle.UnitTests.Destinations;

/// <summary>Which answers are retried, the exponential backoff with jitter, Retry-After, and the retry window.</summary>
public sealed class RetryScheduleTests
{
    private static readonly RetrySchedule s_schedule = new(TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(10), TimeSpan.FromHours(1));
    private static readonly DateTimeOffset s_now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(200, "Delivered")]
    [InlineData(204, "Delivered")]
    [InlineData(null, "Retry")]
    [InlineData(408, "Retry")]
    [InlineData(429, "Retry")]
    [InlineData(500, "Retry")]
    [InlineData(503, "Retry")]
    [InlineData(400, "Failed")]
    [InlineData(401, "Failed")]
    [InlineData(404, "Failed")]
    [InlineData(422, "Failed")]
    [InlineData(301, "Failed")]
    public void Connection_errors_408_429_and_5xx_are_retried_other_4xx_are_final(int? status, string expected) =>
        Assert.Equal(Enum.Parse<AttemptOutcome>(expected), RetrySchedule.Classify(status));

    [Theory]
    [InlineData(1, 2.5, 5)]
    [InlineData(2, 5, 10)]
    [InlineData(3, 10, 20)]
    [InlineData(5, 40, 80)]
    [InlineData(8, 300, 600)]
    [InlineData(50, 300, 600)]
    public void The_backoff_doubles_from_the_base_up_to_the_ceiling_with_half_of_it_random(int attempt, double minSeconds, double maxSeconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(minSeconds), s_schedule.Backoff(attempt, 0));
        Assert.Equal(TimeSpan.FromSeconds(maxSeconds), s_schedule.Backoff(attempt, 1));
        Assert.InRange(s_schedule.Backoff(attempt, 0.5), TimeSpan.FromSeconds(minSeconds), TimeSpan.FromSeconds(maxSeconds));
    }

    [Fact]
    public void Retry_after_is_honoured_as_seconds_or_a_date_and_capped()
    {
        Assert.Equal(TimeSpan.FromSeconds(7), s_schedule.RetryAfter(new RetryConditionHeaderValue(TimeSpan.FromSeconds(7)), s_now));
        Assert.Equal(TimeSpan.FromSeconds(90), s_schedule.RetryAfter(new RetryConditionHeaderValue(s_now.AddSeconds(90)), s_now));
        Assert.Equal(TimeSpan.FromHours(1), s_schedule.RetryAfter(new RetryConditionHeaderValue(TimeSpan.FromDays(2)), s_now));
        Assert.Null(s_schedule.RetryAfter(new RetryConditionHeaderValue(s_now.AddSeconds(-5)), s_now));
        Assert.Null(s_schedule.RetryAfter(null, s_now));
    }

    [Fact]
    public void A_retry_that_would_fall_after_the_window_dead_letters_the_event()
    {
        var enqueued = s_now - TimeSpan.FromHours(3.99);

        Assert.Equal(s_now + TimeSpan.FromSeconds(5), s_schedule.NextAttempt(1, null, s_now, s_now, TimeSpan.FromHours(4), 1));
        Assert.Equal(s_now + TimeSpan.FromSeconds(30), s_schedule.NextAttempt(1, TimeSpan.FromSeconds(30), s_now, enqueued, TimeSpan.FromHours(4), 0));
        Assert.Null(s_schedule.NextAttempt(10, null, s_now, enqueued, TimeSpan.FromHours(4), 0));
        Assert.Null(s_schedule.NextAttempt(1, null, s_now, s_now, TimeSpan.Zero, 0));
    }

    [Fact]
    public void Retrying_for_the_default_four_hours_takes_about_thirty_attempts()
    {
        var at = s_now;
        var attempts = 1;
        while (s_schedule.NextAttempt(attempts, null, at, s_now, TimeSpan.FromHours(4), 0.5) is { } next)
        {
            at = next;
            attempts++;
        }

        Assert.InRange(attempts, 30, 45);
        Assert.True(at <= s_now + TimeSpan.FromHours(4));
    }
}
