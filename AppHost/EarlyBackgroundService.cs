using Microsoft.Extensions.Hosting;

namespace Alle.AppHost;

/// <summary>
/// A background loop that starts before any hosted service's <c>StartAsync</c>: Aspire's orchestrator completes its start
/// only once every resource has started, and what watches the resources must already be watching by then.
/// </summary>
public abstract class EarlyBackgroundService : IHostedLifecycleService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _loop = Task.CompletedTask;

    protected abstract Task ExecuteAsync(CancellationToken stoppingToken);

    public Task StartingAsync(CancellationToken cancellationToken)
    {
        _loop = Task.Run(() => ExecuteAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppingAsync(CancellationToken cancellationToken) => await _stopping.CancelAsync();

    public async Task StopAsync(CancellationToken cancellationToken) => await _loop.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        _stopping.Dispose();
        GC.SuppressFinalize(this);
    }
}
