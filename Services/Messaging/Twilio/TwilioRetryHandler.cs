using System.Net;
using Microsoft.Extensions.Options;

namespace Alle.Messaging.Twilio;

/// <summary>
/// Retries a Twilio request answered with 429 or 5xx (Twilio did not create the message), waiting what
/// <c>Retry-After</c> asks or else an exponential backoff with full jitter. Nothing else is retried: a POST that may
/// have reached Twilio is never repeated here (the standard resilience handler is removed from this client for that reason).
/// </summary>
internal sealed class TwilioRetryHandler(IOptions<TwilioOptions> options, TimeProvider clock) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        for (var attempt = 0; ; attempt++)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (!IsRetryable(response.StatusCode) || attempt >= settings.MaxRetries)
            {
                return response;
            }
            var delay = RetryDelay(response, attempt, settings, Random.Shared.NextDouble(), clock.GetUtcNow());
            response.Dispose();
            await Task.Delay(delay, clock, cancellationToken);
        }
    }

    public static bool IsRetryable(HttpStatusCode status) => status == HttpStatusCode.TooManyRequests || (int)status >= 500;

    /// <summary>Retry-After (seconds or a date) when given, capped; else base × 2^attempt scaled by <paramref name="jitter"/> in [0,1).</summary>
    public static TimeSpan RetryDelay(HttpResponseMessage response, int attempt, TwilioOptions settings, double jitter, DateTimeOffset now)
    {
        var retryAfter = response.Headers.RetryAfter;
        TimeSpan? asked = retryAfter?.Delta ?? (retryAfter?.Date is { } date ? date - now : null);
        if (asked is { } wait && wait >= TimeSpan.Zero)
        {
            return wait < settings.MaxRetryDelay ? wait : settings.MaxRetryDelay;
        }
        var ceiling = settings.RetryBaseDelay * Math.Pow(2, attempt);
        if (ceiling > settings.MaxRetryDelay)
        {
            ceiling = settings.MaxRetryDelay;
        }
        // Full jitter, but never less than a tenth of the base so retries do not hammer a struggling API.
        return TimeSpan.FromMilliseconds(Math.Max(settings.RetryBaseDelay.TotalMilliseconds / 10, ceiling.TotalMilliseconds * jitter));
    }
}
