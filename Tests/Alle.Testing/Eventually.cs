namespace Alle.Testing;

/// <summary>Awaits a condition that becomes true asynchronously (a message consumed, a process restarted), with a deadline.</summary>
public static class Eventually
{
    public static async Task<T> GetAsync<T>(Func<Task<T?>> probe, TimeSpan timeout, string what) where T : class
    {
        using var deadline = new CancellationTokenSource(timeout);
        var delay = TimeSpan.FromMilliseconds(50);
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }
            try
            {
                await Task.Delay(delay, deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0.#} s waiting for {what}.");
            }
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 500));
        }
    }

    /// <summary>The same, for probes that answer a value type (e.g. a <see cref="System.Text.Json.JsonElement"/>).</summary>
    public static async Task<T> GetValueAsync<T>(Func<Task<T?>> probe, TimeSpan timeout, string what) where T : struct =>
        (T)await GetAsync<object>(async () => await probe() is { } value ? value : null, timeout, what);

    public static Task TrueAsync(Func<Task<bool>> probe, TimeSpan timeout, string what) =>
        GetAsync<object>(async () => await probe() ? new object() : null, timeout, what);
}
