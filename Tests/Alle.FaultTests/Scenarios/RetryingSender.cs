using System.Net;
using System.Net.Http.Json;

namespace Alle.FaultTests.Scenarios;

/// <summary>
/// Sends Segment calls as Segment's libraries do: a request that fails for want of the server (5xx, 429, a timeout, a
/// refused or reset connection) is sent again with the same message ids after a backoff that honours
/// <c>Retry-After</c>, until it is acknowledged or the caller stops; a refusal of the calls themselves (other 4xx) is
/// given up at once.
/// </summary>
public sealed class RetryingSender(HttpClient client)
{
    private static readonly TimeSpan s_attemptTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan s_maxBackoff = TimeSpan.FromSeconds(2);

    /// <summary>True once a request was acknowledged (2xx); false when refused, or when <paramref name="stop"/> ended the retries first.</summary>
    public async Task<bool> SendBatchAsync(IReadOnlyList<object> calls, CancellationToken stop)
    {
        var backoff = TimeSpan.FromMilliseconds(100);
        while (!stop.IsCancellationRequested)
        {
            TimeSpan? retryAfter = null;
            try
            {
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(stop);
                attempt.CancelAfter(s_attemptTimeout);
                using var response = await client.PostAsJsonAsync("/v1/batch", new { batch = calls }, attempt.Token);
                if (response.IsSuccessStatusCode)
                {
                    return true;
                }
                if ((int)response.StatusCode < 500 && response.StatusCode != HttpStatusCode.TooManyRequests)
                {
                    return false;
                }
                retryAfter = response.Headers.RetryAfter?.Delta;
            }
            catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException)
            {
                // Timed out or no connection: it may have landed, so a retry carries the same ids.
                if (stop.IsCancellationRequested)
                {
                    return false;
                }
            }

            var wait = retryAfter is { } asked ? TimeSpan.FromTicks(Math.Min(asked.Ticks, s_maxBackoff.Ticks)) : backoff;
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, s_maxBackoff.Ticks));
            await Task.Delay(wait, stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        return false;
    }
}
