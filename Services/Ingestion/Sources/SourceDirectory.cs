using System.Collections.Concurrent;

namespace Alle.Ingestion.Sources;

/// <summary>
/// Finds the source of a write key on every tracking request without a database round trip: answers (including "no
/// such key") are cached for a few seconds. This replica forgets them at once when an operator changes a source here;
/// other replicas see the change within <see cref="CacheFor"/>.
/// </summary>
internal sealed class SourceDirectory(SourceStore store, TimeProvider clock)
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, (Source? Source, DateTimeOffset Expires)> _byKeyHash = new(StringComparer.Ordinal);

    /// <summary>The enabled source whose write key this is, or null (unknown key, or the source is disabled).</summary>
    public async ValueTask<Source?> AuthenticateAsync(string? writeKey, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(writeKey))
        {
            return null;
        }
        var hash = WriteKey.Hash(writeKey);
        var cacheKey = Convert.ToBase64String(hash);
        var now = clock.GetUtcNow();
        if (!_byKeyHash.TryGetValue(cacheKey, out var cached) || cached.Expires <= now)
        {
            cached = (await store.FindByKeyHashAsync(hash, cancellationToken), now + CacheFor);
            if (_byKeyHash.Count > 10_000)
            {
                _byKeyHash.Clear();
            }
            _byKeyHash[cacheKey] = cached;
        }
        return cached.Source is { Enabled: true } source ? source : null;
    }

    /// <summary>Forgets every cached answer (a source was changed through this replica).</summary>
    public void Invalidate() => _byKeyHash.Clear();
}
