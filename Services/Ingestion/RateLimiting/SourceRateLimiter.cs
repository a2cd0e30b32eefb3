using System.Collections.Concurrent;
using StackExchange.Redis;

namespace Alle.Ingestion.RateLimiting;

/// <summary>
/// Events per second per source, shared by every replica through Redis (fixed one-second windows). A request is decided
/// here, from the count this replica last heard from Redis plus what it let through since (<see cref="RateWindow"/>),
/// and what it let through is reported in the background: one Redis call per round trip instead of one per request,
/// off the request's path. Replicas see each other's counts a round trip late, so together they may pass a little more
/// than the limit for a moment; a request that finds its window empty always passes, so a batch larger than the limit is
/// never refused forever. While Redis is unreachable each replica enforces the limit on its own count: losing a counter
/// must never lose data, and a 429 stores nothing and tells the client when to retry.
/// </summary>
internal sealed class SourceRateLimiter(IConnectionMultiplexer redis, TimeProvider clock, ILogger<SourceRateLimiter> logger)
{
    private static readonly LuaScript s_count = LuaScript.Prepare("""
        local n = redis.call('INCRBY', @key, @events)
        if n == tonumber(@events) then redis.call('PEXPIRE', @key, 2000) end
        return n
        """);

    private readonly ConcurrentDictionary<string, RateWindow> _windows = new(StringComparer.Ordinal);
    private long _lastWarning;

    /// <summary>Null when the events may pass, otherwise how long to wait before retrying.</summary>
    public TimeSpan? TryAcquire(string sourceId, int limitPerSecond, int events)
    {
        var now = clock.GetUtcNow();
        var second = now.ToUnixTimeSeconds();
        var window = _windows.GetOrAdd(sourceId, _ => new RateWindow());
        var connected = redis.IsConnected;
        long report;
        lock (window)
        {
            if (!window.TryTake(second, limitPerSecond, events))
            {
                return TimeSpan.FromSeconds(second + 1) - TimeSpan.FromMilliseconds(now.ToUnixTimeMilliseconds());
            }
            report = connected ? window.BeginReport(second) : 0;
        }
        if (!connected)
        {
            WarnUnavailable();
        }
        else if (report > 0)
        {
            _ = ReportAsync(sourceId, window, second, report);
        }
        return null;
    }

    /// <summary>Adds what this replica let through to the shared count, and keeps doing so while more arrives meanwhile.</summary>
    private async Task ReportAsync(string sourceId, RateWindow window, long second, long events)
    {
        var key = (RedisKey)$"ingestion:rate:{sourceId}:{second}";
        while (events > 0)
        {
            long? shared;
            try
            {
                shared = (long)await redis.GetDatabase().ScriptEvaluateAsync(s_count, new { key, events });
            }
            catch (Exception exception) when (exception is RedisException or TimeoutException)
            {
                WarnUnavailable();
                shared = null;
            }
            lock (window)
            {
                window.EndReport(second, shared);
                events = shared is null ? 0 : window.BeginReport(second);
            }
        }
    }

    private void WarnUnavailable()
    {
        var now = Environment.TickCount64;
        if (now - Interlocked.Read(ref _lastWarning) > 10_000)
        {
            Interlocked.Exchange(ref _lastWarning, now);
            logger.LogWarning("Redis is unreachable: each replica enforces source rate limits on its own count until it is back");
        }
    }
}

/// <summary>
/// One source's count in the current one-second window as one replica knows it: what every replica had reported when
/// it last heard from Redis, what it is reporting now, and what it let through since. Not thread-safe: the limiter
/// locks it.
/// </summary>
internal sealed class RateWindow
{
    public long Second { get; private set; } = long.MinValue;

    /// <summary>The shared count Redis last answered (every replica's reports, this one's included).</summary>
    public long Shared { get; private set; }

    /// <summary>Events on their way to Redis.</summary>
    public long Reporting { get; private set; }

    /// <summary>Events let through and not reported yet.</summary>
    public long Unreported { get; private set; }

    public long Known => Shared + Reporting + Unreported;

    /// <summary>Lets the events through when they fit under the limit, or when nothing is known of this second yet.</summary>
    public bool TryTake(long second, int limit, int events)
    {
        if (second != Second)
        {
            (Second, Shared, Reporting, Unreported) = (second, 0, 0, 0);
        }
        if (Known != 0 && Known + events > limit)
        {
            return false;
        }
        Unreported += events;
        return true;
    }

    /// <summary>The events to report now: none while a report is on its way (the next one takes them) or for another second.</summary>
    public long BeginReport(long second)
    {
        if (second != Second || Reporting != 0 || Unreported == 0)
        {
            return 0;
        }
        (Reporting, Unreported) = (Unreported, 0);
        return Reporting;
    }

    /// <summary>Redis's answer, which includes the reported events; without one (unreachable) they stay counted here.</summary>
    public void EndReport(long second, long? shared)
    {
        if (second != Second)
        {
            return;
        }
        Shared = shared ?? Shared + Reporting;
        Reporting = 0;
    }
}
