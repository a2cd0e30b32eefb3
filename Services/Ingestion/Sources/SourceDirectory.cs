using Alle.Ingestion.Caching;

namespace Alle.Ingestion.Sources;

/// <summary>
/// Finds the source of a write key on every tracking request without a database round trip: answers (including "no
/// such key") are cached for a few seconds. This replica forgets them at once when an operator changes a source here;
/// other replicas see the change within <see cref="CacheFor"/>.
/// </summary>
internal sealed class SourceDirectory(SourceStore store, TimeProvider clock)
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(5);

    private readonly ExpiringCache<Source?> _byKeyHash = new(CacheFor, clock);

    /// <summary>The enabled source whose write key this is, or null (unknown key, or the source is disabled).</summary>
    public async ValueTask<Source?> AuthenticateAsync(string? writeKey, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(writeKey))
        {
            return null;
        }
        var hash = WriteKey.Hash(writeKey);
        var found = await _byKeyHash.GetAsync(Convert.ToBase64String(hash), token => store.FindByKeyHashAsync(hash, token), cancellationToken);
        return found is { Enabled: true } source ? source : null;
    }

    /// <summary>Forgets every cached answer (a source was changed through this replica).</summary>
    public void Invalidate() => _byKeyHash.Clear();
}
