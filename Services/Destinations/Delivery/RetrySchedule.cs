using System.Net.Http.Headers;

namespace Alle.Destinations.Delivery;

internal enum AttemptOutcome
{
    Delivered,
    Retry,
    Failed,
}

/// <summary>
/// What an answer means and when to try again. 2xx is delivered; no answer (a connection error, a time-out), 408, 429
/// and 5xx are tried again; anything else (other 4xx, and 3xx — redirects are not followed) is a final failure.
/// Retries back off exponentially from a base delay, doubling up to a ceiling, with "equal jitter" (half the delay
/// fixed, half random) so that many events failing together do not come back together. A <c>Retry-After</c> (seconds
/// or a date) is honoured as given, up to a ceiling. An event is retried until its retry window runs out, then it
/// is dead-lettered.
/// </summary>
internal sealed record RetrySchedule(TimeSpan BaseDelay, TimeSpan MaxDelay, TimeSpan MaxRetryAfter)
{
    public static AttemptOutcome Classify(int? statusCode) => statusCode switch
    {
        null => AttemptOutcome.Retry,
        >= 200 and < 300 => AttemptOutcome.Delivered,
        408 or 429 or >= 500 => AttemptOutcome.Retry,
        _ => AttemptOutcome.Failed,
    };

    /// <summary>The wait before attempt <paramref name="attempt"/> + 1, after attempt <paramref name="attempt"/> (1-based) failed.</summary>
    /// <param name="jitter">A number in [0, 1): the random half of the delay.</param>
    public TimeSpan Backoff(int attempt, double jitter)
    {
        var exponent = Math.Min(Math.Max(attempt - 1, 0), 30);
        var delay = TimeSpan.FromTicks((long)Math.Min(BaseDelay.Ticks * Math.Pow(2, exponent), MaxDelay.Ticks));
        return delay / 2 + delay / 2 * jitter;
    }

    /// <summary>The wait a <c>Retry-After</c> asks for (delta seconds, or a date from <paramref name="now"/>), capped; null when absent or in the past.</summary>
    public TimeSpan? RetryAfter(RetryConditionHeaderValue? header, DateTimeOffset now)
    {
        TimeSpan? asked = header?.Delta ?? (header?.Date is { } date ? date - now : null);
        return asked is { } wait && wait > TimeSpan.Zero ? (wait < MaxRetryAfter ? wait : MaxRetryAfter) : null;
    }

    /// <summary>
    /// When to try again after a failed attempt, or null when the event's retry window (from <paramref name="enqueuedAt"/>)
    /// would run out first: then it goes to the dead letters.
    /// </summary>
    public DateTimeOffset? NextAttempt(int attempt, TimeSpan? retryAfter, DateTimeOffset now, DateTimeOffset enqueuedAt, TimeSpan retryWindow, double jitter)
    {
        var next = now + (retryAfter ?? Backoff(attempt, jitter));
        return next <= enqueuedAt + retryWindow ? next : null;
    }
}
