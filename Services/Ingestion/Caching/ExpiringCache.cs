using System.Collections.Concurrent;

namespace Alle.Ingestion.Caching;

/// <summary>
/// A value per key that every tracking request asks for, kept for a few seconds. When it is missing or has expired the
/// first caller loads it and every caller arriving meanwhile awaits that same load: one database query per key, not
/// one per request in flight (which, when the cache expired under load, opened a connection per waiting request). A
/// load that fails is not kept, so the next caller tries again.
/// </summary>
internal sealed class ExpiringCache<TValue>(TimeSpan keepFor, TimeProvider clock, int maxEntries = 10_000)
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public async ValueTask<TValue> GetAsync(string key, Func<CancellationToken, Task<TValue>> load, CancellationToken cancellationToken)
    {
        while (true)
        {
            var now = clock.GetUtcNow();
            var current = _entries.GetValueOrDefault(key);
            if (current is not null && (current.Expires > now || !current.Value.IsCompleted))
            {
                return await current.Value.WaitAsync(cancellationToken);
            }

            var loading = new TaskCompletionSource<TValue>(TaskCreationOptions.RunContinuationsAsynchronously);
            var entry = new Entry(loading.Task, now + keepFor);
            if (current is null ? !TryAdd(key, entry) : !_entries.TryUpdate(key, entry, current))
            {
                continue; // another caller started the load first: wait for that one
            }
            try
            {
                // Not the caller's token: everyone waiting shares this load.
                loading.SetResult(await load(CancellationToken.None));
            }
            catch (Exception exception)
            {
                _entries.TryRemove(KeyValuePair.Create(key, entry));
                loading.SetException(exception);
            }
            return await loading.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Keeps a value this replica just stored, so it applies here at once.</summary>
    public void Set(string key, TValue value) => _entries[key] = new Entry(Task.FromResult(value), clock.GetUtcNow() + keepFor);

    public void Remove(string key) => _entries.TryRemove(key, out _);

    public void Clear() => _entries.Clear();

    private bool TryAdd(string key, Entry entry)
    {
        if (_entries.Count >= maxEntries)
        {
            _entries.Clear(); // a flood of unknown keys must not grow the cache without bound
        }
        return _entries.TryAdd(key, entry);
    }

    // A class, so that TryUpdate and TryRemove compare entries by reference.
    private sealed class Entry(Task<TValue> value, DateTimeOffset expires)
    {
        public Task<TValue> Value { get; } = value;
        public DateTimeOffset Expires { get; } = expires;
    }
}
