using StackExchange.Redis;

namespace Alle.Profiles.Caching;

/// <summary>
/// Applies other instances' invalidations (Redis pub/sub on <see cref="ProfileCache.InvalidationChannel"/>) to this
/// instance's <see cref="LocalProfileCache"/>, and keeps that layer switched on only while they are known to arrive:
/// it is switched off (and emptied) when the subscription's connection drops, and on again only once a probe this
/// instance published has come back over the channel, so no invalidation can have been missed in between.
/// Invalidations are published before the matching <c>ProfileUpdated</c> leaves the outbox, so an instance hears of a
/// change before any consumer of that message can ask it for the profile. Invalidations Redis refused are retried here
/// every two seconds rather than only with the next change, so a stale copy outlives a Redis fault by seconds at most.
/// </summary>
internal sealed class CacheInvalidationListener(IConnectionMultiplexer redis, ProfileCache cache, LocalProfileCache local, ILogger<CacheInvalidationListener> logger)
    : BackgroundService
{
    private const string ProbePrefix = "probe:";
    private static readonly TimeSpan s_probeInterval = TimeSpan.FromSeconds(2);

    private readonly string _probe = ProbePrefix + Guid.NewGuid().ToString("N");

    public static RedisValue Encode(IEnumerable<Guid> profileIds) => string.Join(',', profileIds);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        redis.ConnectionFailed += OnConnectionFailed;
        try
        {
            var subscriber = redis.GetSubscriber();
            // Subscribing can fail while Redis is down; the multiplexer re-subscribes by itself once it is subscribed.
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await subscriber.SubscribeAsync(ProfileCache.InvalidationChannel, (_, message) => OnMessage(message));
                    break;
                }
                catch (Exception exception) when (exception is RedisException or TimeoutException)
                {
                    await Task.Delay(s_probeInterval, stoppingToken);
                }
            }
            // Every two seconds: retry what Redis refused, and while the layer is off, probe until a probe comes back (at
            // start, and after every lost connection).
            while (!stoppingToken.IsCancellationRequested)
            {
                if (cache.HasPendingInvalidations)
                {
                    await cache.RetryPendingInvalidationsAsync();
                }
                if (!local.IsEnabled)
                {
                    try
                    {
                        await subscriber.PublishAsync(ProfileCache.InvalidationChannel, _probe);
                    }
                    catch (Exception exception) when (exception is RedisException or TimeoutException)
                    {
                    }
                }
                await Task.Delay(s_probeInterval, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            redis.ConnectionFailed -= OnConnectionFailed;
            local.Disable();
        }
    }

    private void OnMessage(RedisValue message)
    {
        var text = (string?)message ?? "";
        if (text.StartsWith(ProbePrefix, StringComparison.Ordinal))
        {
            if (text == _probe && !local.IsEnabled)
            {
                local.Enable();
                logger.LogInformation("In-process profile cache on: invalidations arrive over Redis");
            }
            return;
        }
        local.Invalidate(text.Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(id => Guid.TryParse(id, out var profileId) ? profileId : Guid.Empty)
            .Where(profileId => profileId != Guid.Empty));
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        if (e.ConnectionType != ConnectionType.Subscription)
        {
            return;
        }
        var wasEnabled = local.IsEnabled;
        local.Disable();
        if (wasEnabled)
        {
            logger.LogWarning("In-process profile cache off until the invalidation channel works again ({Failure})", e.FailureType);
        }
    }
}
