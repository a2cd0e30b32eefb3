using StackExchange.Redis;

namespace Alle.Ingestion.RateLimiting;

/// <summary>
/// Events per second per source, counted in Redis so every replica shares the count (fixed one-second windows). A
/// request that finds its window empty always passes, so a batch larger than the limit is never refused forever.
/// When Redis is unreachable events are accepted: losing a counter must never lose data.
/// </summary>
internal sealed class SourceRateLimiter(IConnectionMultiplexer redis, TimeProvider clock, ILogger<SourceRateLimiter> logger)
{
    private static readonly LuaScript s_count = LuaScript.Prepare("""
        local n = redis.call('INCRBY', @key, @events)
        if n == tonumber(@events) then redis.call('PEXPIRE', @key, 2000) end
        return n
        """);

    private long _lastWarning;

    /// <summary>Null when the events may pass, otherwise how long to wait before retrying.</summary>
    public async ValueTask<TimeSpan?> TryAcquireAsync(string sourceId, int limitPerSecond, int events)
    {
        if (!redis.IsConnected)
        {
            WarnUnavailable();
            return null;
        }
        var now = clock.GetUtcNow();
        var window = now.ToUnixTimeSeconds();
        try
        {
            var count = (long)await redis.GetDatabase().ScriptEvaluateAsync(s_count, new { key = (RedisKey)$"ingestion:rate:{sourceId}:{window}", events });
            if (count <= limitPerSecond || count - events == 0)
            {
                return null;
            }
            return TimeSpan.FromSeconds(window + 1) - TimeSpan.FromMilliseconds(now.ToUnixTimeMilliseconds());
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            WarnUnavailable();
            return null;
        }
    }

    private void WarnUnavailable()
    {
        var now = Environment.TickCount64;
        if (now - Interlocked.Read(ref _lastWarning) > 10_000)
        {
            Interlocked.Exchange(ref _lastWarning, now);
            logger.LogWarning("Redis is unreachable: source rate limits are not enforced until it is back");
        }
    }
}
