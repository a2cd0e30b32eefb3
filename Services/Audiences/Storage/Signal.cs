namespace Alle.Audiences.Storage;

/// <summary>
/// Wakes the background worker <typeparamref name="TWorker"/> right after a transaction gave it work (it also polls,
/// so work written by another replica is found too).
/// </summary>
internal sealed class Signal<TWorker>
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Notify()
    {
        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled: one wake-up covers everything written so far.
        }
    }

    public Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);
}
