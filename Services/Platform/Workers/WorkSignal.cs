using Microsoft.Extensions.Hosting;

namespace Alle.Platform.Workers;

/// <summary>
/// Wakes the background worker <typeparamref name="TWorker"/> as soon as a committed transaction gave it work, instead
/// of at its next poll (it keeps polling, so work written by another replica is found too). Register one per worker as
/// a singleton.
/// </summary>
public sealed class WorkSignal<TWorker>
{
    private readonly SemaphoreSlim _semaphore = new(0, 1);

    public void Notify()
    {
        try
        {
            _semaphore.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled: one wake-up covers everything written so far.
        }
    }

    /// <summary>Returns when signalled or after <paramref name="timeout"/>, whichever comes first.</summary>
    public Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _semaphore.WaitAsync(timeout, cancellationToken);

    /// <summary>As <see cref="WaitAsync(TimeSpan, CancellationToken)"/>, with the timeout kept by <paramref name="clock"/> (a fake one in tests).</summary>
    public async Task WaitAsync(TimeSpan timeout, TimeProvider clock, CancellationToken cancellationToken)
    {
        using var timeoutSource = new CancellationTokenSource(timeout, clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeoutSource.Token, cancellationToken);
        try
        {
            await _semaphore.WaitAsync(linked.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }
    }
}
