using System.Collections.Concurrent;
using Alle.Contracts;
using Alle.Profiles.Reading;

namespace Alle.Profiles.Caching;

/// <summary>
/// The in-process layer in front of Redis: profile documents this instance has read, served without a round trip.
/// Every instance hears every invalidation (its own directly, the others' over Redis pub/sub, see
/// <see cref="CacheInvalidationListener"/>), and the layer is only used while that channel is known to work.
/// <para>
/// A read that races an invalidation must not put back what the invalidation removed. A reader takes a
/// <see cref="Ticket"/> before it reads Redis or the database; an invalidation stamps the profile's stripe with a newer
/// sequence number; a document is kept only if its stripe was not stamped after the ticket. Stripes (a fixed array)
/// rather than one stamp per profile keep memory bounded whatever the rate of updates; a stamp on a neighbour in the
/// same stripe only costs one store.
/// </para>
/// A capacity of 0 turns the layer off.
/// </summary>
internal sealed class LocalProfileCache(TimeProvider clock, int capacity, TimeSpan timeToLive)
{
    private const int StripeCount = 1 << 16;

    private readonly ConcurrentDictionary<Identifier, Guid> _pointers = new();
    private readonly ConcurrentDictionary<Guid, Entry> _documents = new();
    private readonly long[] _stripes = new long[StripeCount];
    private readonly Lock _trimming = new();
    private long _sequence;
    private long _enabledAt = long.MaxValue;

    /// <summary>Whether documents are served and kept (only while invalidations from other instances are known to arrive).</summary>
    public bool IsEnabled => Volatile.Read(ref _enabledAt) != long.MaxValue;

    public int Count => _documents.Count;

    /// <summary>Taken before reading a document elsewhere; <see cref="Store"/> refuses it if the profile changed since.</summary>
    public long Ticket() => Interlocked.Read(ref _sequence);

    public ProfileDocument? Find(Identifier identifier)
    {
        if (!IsEnabled || !_pointers.TryGetValue(identifier, out var profileId) || !_documents.TryGetValue(profileId, out var entry))
        {
            return null;
        }
        if (clock.GetElapsedTime(entry.StoredAt) > timeToLive)
        {
            _documents.TryRemove(new KeyValuePair<Guid, Entry>(profileId, entry));
            return null;
        }
        // A pointer is a hint: after an unmerge or a deletion the identifier may belong to another profile now.
        return entry.Document.Holds(identifier) ? entry.Document : null;
    }

    public void Store(Identifier identifier, ProfileDocument document, long ticket)
    {
        if (capacity == 0 || ticket < Volatile.Read(ref _enabledAt) || ChangedSince(document.ProfileId, ticket))
        {
            return;
        }
        if (_documents.Count >= capacity)
        {
            Trim();
        }
        var entry = new Entry(document, clock.GetTimestamp());
        _documents[document.ProfileId] = entry;
        _pointers[identifier] = document.ProfileId;
        // An invalidation between the check above and the write must still win.
        if (ChangedSince(document.ProfileId, ticket))
        {
            _documents.TryRemove(new KeyValuePair<Guid, Entry>(document.ProfileId, entry));
        }
    }

    /// <summary>Drops these profiles' documents and refuses any read of them that started before now.</summary>
    public void Invalidate(IEnumerable<Guid> profileIds)
    {
        foreach (var profileId in profileIds)
        {
            var stamp = Interlocked.Increment(ref _sequence);
            ref var stripe = ref _stripes[StripeOf(profileId)];
            for (var current = Volatile.Read(ref stripe); current < stamp; current = Volatile.Read(ref stripe))
            {
                if (Interlocked.CompareExchange(ref stripe, stamp, current) == current)
                {
                    break;
                }
            }
            _documents.TryRemove(profileId, out _);
        }
    }

    /// <summary>Drops identifier → profile pointers (identifiers moved or removed).</summary>
    public void Forget(IEnumerable<Identifier> identifiers)
    {
        foreach (var identifier in identifiers)
        {
            _pointers.TryRemove(identifier, out _);
        }
    }

    /// <summary>Starts serving: nothing read before this call is kept.</summary>
    public void Enable()
    {
        Clear();
        Volatile.Write(ref _enabledAt, Interlocked.Increment(ref _sequence));
    }

    /// <summary>Stops serving and forgets everything (invalidations may be missed from now on).</summary>
    public void Disable()
    {
        Volatile.Write(ref _enabledAt, long.MaxValue);
        Clear();
    }

    private bool ChangedSince(Guid profileId, long ticket) => Volatile.Read(ref _stripes[StripeOf(profileId)]) > ticket;

    private static int StripeOf(Guid profileId) => (profileId.GetHashCode() & int.MaxValue) % StripeCount;

    private void Clear()
    {
        _documents.Clear();
        _pointers.Clear();
    }

    // Over capacity: drop expired documents and then the oldest tenth, and the pointers left dangling.
    private void Trim()
    {
        if (!_trimming.TryEnter())
        {
            return;
        }
        try
        {
            var byAge = _documents.OrderBy(pair => pair.Value.StoredAt).ToList();
            var keep = byAge.Count - Math.Max(1, capacity / 10);
            foreach (var (index, pair) in byAge.Index())
            {
                if (index < byAge.Count - keep || clock.GetElapsedTime(pair.Value.StoredAt) > timeToLive)
                {
                    _documents.TryRemove(pair);
                }
            }
            foreach (var pointer in _pointers)
            {
                if (!_documents.ContainsKey(pointer.Value))
                {
                    _pointers.TryRemove(pointer);
                }
            }
        }
        finally
        {
            _trimming.Exit();
        }
    }

    private sealed record Entry(ProfileDocument Document, long StoredAt);
}
