using Alle.Contracts;
using Alle.Profiles.Caching;

namespace Alle.Profiles.Reading;

/// <summary>
/// Finds a profile by any of its identifiers: from this instance's memory, else from Redis when it holds a current
/// document, else from the database (then cached in both).
/// </summary>
internal sealed class ProfileDirectory(ProfileStore store, ProfileCache cache, LocalProfileCache local, CacheMetrics metrics)
{
    public async Task<ProfileDocument?> FindAsync(Identifier identifier, CancellationToken cancellationToken)
    {
        if (local.Find(identifier) is { } remembered)
        {
            metrics.Read(CacheLayer.Memory);
            return remembered;
        }
        var ticket = local.Ticket();
        if (await cache.ReadAsync(identifier) is { Document: { } cached } && cached.Holds(identifier))
        {
            metrics.Read(CacheLayer.Redis);
            local.Store(identifier, cached, ticket);
            return cached;
        }

        metrics.Read(CacheLayer.Database);
        if (await store.FindProfileIdAsync(identifier, cancellationToken) is not { } profileId)
        {
            return null;
        }
        // The generation is read before the document: a change committed in between makes this copy unreachable.
        var generation = await cache.GenerationAsync(profileId);
        var document = await store.LoadAsync(profileId, cancellationToken);
        if (document is not null && generation is { } current)
        {
            await cache.StoreAsync(identifier, document, current);
            local.Store(identifier, document, ticket);
        }
        return document;
    }
}
