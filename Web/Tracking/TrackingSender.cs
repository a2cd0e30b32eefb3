using Alle.Platform.Tracking;

namespace Alle.Web.Tracking;

/// <summary>
/// Sends queued calls to the Tracking API in batches of up to 100, retrying a failed batch a few times with backoff;
/// a batch that still fails is dropped and logged by count and message ids only (never personal data).
/// </summary>
public sealed class TrackingSender(TrackingQueue queue, IServiceScopeFactory scopes, ILogger<TrackingSender> logger) : BackgroundService
{
    private const int BatchSize = 100;
    private static readonly TimeSpan[] s_backoff = [TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5)];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<TrackingCall>(BatchSize);
        try
        {
            while (await queue.Reader.WaitToReadAsync(stoppingToken))
            {
                while (batch.Count < BatchSize && queue.Reader.TryRead(out var call))
                {
                    batch.Add(call);
                }
                await SendAsync(batch, stoppingToken);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        // What is still queued gets one quick try on the way out.
        var rest = new List<TrackingCall>();
        while (rest.Count < 1000 && queue.Reader.TryRead(out var call))
        {
            rest.Add(call);
        }
        if (rest.Count > 0)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            await SendOnceAsync(rest, timeout.Token);
        }
    }

    private async Task SendAsync(List<TrackingCall> batch, CancellationToken stoppingToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            if (await SendOnceAsync(batch, stoppingToken))
            {
                return;
            }
            if (attempt == s_backoff.Length)
            {
                logger.LogWarning("Dropped {Count} tracking calls after {Attempts} attempts (first message id {MessageId})", batch.Count, attempt + 1, batch[0].MessageId);
                return;
            }
            await Task.Delay(s_backoff[attempt], stoppingToken);
        }
    }

    private async Task<bool> SendOnceAsync(List<TrackingCall> batch, CancellationToken cancellationToken)
    {
        try
        {
            using var scope = scopes.CreateScope();
            await scope.ServiceProvider.GetRequiredService<TrackingClient>().SendAsync(batch, cancellationToken);
            return true;
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            logger.LogInformation("Tracking batch of {Count} not delivered yet: {Error}", batch.Count, exception.GetType().Name);
            return false;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
