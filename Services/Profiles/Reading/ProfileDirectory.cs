using Alle.Contracts;
using Alle.Profiles.Caching;

namespace Alle.Profiles.Reading;

/// <summary>Finds a profile by any of its identifiers: from the cache when it holds a current document, else from the database (then cached).</summary>
internal sealed class ProfileDirectory(ProfileStore store, ProfileCache cache)
{
    public async Task<ProfileDocument?> FindAsync(Identifier identifier, CancellationToken cancellationToken)
    {
        if (await cache.ReadAsync(identifier) is { Document: { } cached } && cached.Holds(identifier))
        {
            return cached;
        }

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
        }
        return document;
    }
}
