using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Alle.Messaging.Twilio;

/// <summary>
/// Paces requests per sender (number or messaging service) to the configured messages per second, queueing callers
/// rather than refusing them, so Twilio's own per-sender queue never fills (error 21611).
/// </summary>
internal sealed class SenderThrottle(IOptions<TwilioOptions> options) : IDisposable
{
    private readonly ConcurrentDictionary<string, RateLimiter> _limiters = new(StringComparer.Ordinal);

    public async Task WaitAsync(string sender, CancellationToken cancellationToken)
    {
        var limiter = _limiters.GetOrAdd(sender, _ => Create(options.Value.MessagesPerSecond));
        using var lease = await limiter.AcquireAsync(1, cancellationToken);
        if (!lease.IsAcquired)
        {
            throw new InvalidOperationException("The sender's queue is full.");
        }
    }

    private static TokenBucketRateLimiter Create(double perSecond)
    {
        // Whole tokens per period: 2.5/s becomes 5 per 2 s; at least one per period.
        var period = perSecond >= 1 ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(1 / perSecond);
        var tokens = Math.Max(1, (int)Math.Round(perSecond >= 1 ? perSecond : 1));
        return new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = tokens,
            TokensPerPeriod = tokens,
            ReplenishmentPeriod = period,
            QueueLimit = 100_000,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        });
    }

    public void Dispose()
    {
        foreach (var limiter in _limiters.Values)
        {
            limiter.Dispose();
        }
    }
}
