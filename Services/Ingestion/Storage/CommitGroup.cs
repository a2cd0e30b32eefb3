using Alle.Contracts;

namespace Alle.Ingestion.Storage;

/// <summary>How large one group commit may grow; the first request always goes in, whatever its size.</summary>
internal sealed record GroupLimits(int MaxCalls, int MaxBytes)
{
    public static readonly GroupLimits Default = new(MaxCalls: 5_000, MaxBytes: 4 * 1024 * 1024);

    /// <summary>Whether <paramref name="next"/> joins a group that already holds <paramref name="size"/>.</summary>
    public bool Admits(GroupSize size, AcceptedRequest next) =>
        size.Requests == 0 || (size.Calls + next.Calls <= MaxCalls && size.Bytes + next.Bytes <= MaxBytes);
}

/// <summary>What a group holds so far: requests, calls (events, rejections and violations) and body bytes.</summary>
internal readonly record struct GroupSize(int Requests, int Calls, int Bytes)
{
    public GroupSize Add(AcceptedRequest request) => new(Requests + 1, Calls + request.Calls, Bytes + request.Bytes);
}

/// <summary>One source's new events from a committed group: one outbox row, published as one <see cref="EventsIngested"/>.</summary>
/// <param name="TraceParents">The traces of the requests that brought events, in arrival order: the first is the message's parent.</param>
internal sealed record SourceBatch(Guid BatchId, string SourceId, IReadOnlyList<TrackedEvent> Events, IReadOnlyList<string?> TraceParents);

/// <summary>New events one source sent in one hour of a group, for <c>source_event_volume</c>.</summary>
internal sealed record VolumeCount(string SourceId, DateTimeOffset ReceivedAt, IReadOnlyList<TrackedEvent> Events);

/// <summary>
/// The pure half of a group commit: which events of which request are new once the group's message ids are recorded,
/// and how the new events split into one batch per source. Arrival order decides: the first occurrence of a
/// (source, messageId) in the group is the one stored, even when two requests carry it.
/// </summary>
internal static class CommitGroup
{
    /// <summary>
    /// Each request's new events, given the (source, messageId) pairs the group's one insert recorded: a pair is new for
    /// the first request (and the first call within it) that carries it, and for nobody after.
    /// </summary>
    public static IReadOnlyList<TrackedEvent>[] AssignFresh(IReadOnlyList<AcceptedRequest> requests, IReadOnlySet<(string SourceId, string MessageId)> inserted)
    {
        var unclaimed = new HashSet<(string, string)>(inserted);
        var fresh = new IReadOnlyList<TrackedEvent>[requests.Count];
        for (var i = 0; i < requests.Count; i++)
        {
            var request = requests[i];
            List<TrackedEvent>? mine = null;
            foreach (var trackedEvent in request.Events)
            {
                if (unclaimed.Remove((request.SourceId, trackedEvent.MessageId)))
                {
                    (mine ??= new List<TrackedEvent>(request.Events.Count)).Add(trackedEvent);
                }
            }
            fresh[i] = mine is null ? [] : mine.Count == request.Events.Count ? request.Events : mine;
        }
        return fresh;
    }

    /// <summary>The group's new events as one batch per source, sources in ordinal order (the order rows are locked in).</summary>
    public static IReadOnlyList<SourceBatch> SplitBySource(IReadOnlyList<AcceptedRequest> requests, IReadOnlyList<IReadOnlyList<TrackedEvent>> fresh, Func<Guid> newBatchId)
    {
        var bySource = new SortedDictionary<string, (List<TrackedEvent> Events, List<string?> TraceParents)>(StringComparer.Ordinal);
        for (var i = 0; i < requests.Count; i++)
        {
            if (fresh[i].Count == 0)
            {
                continue;
            }
            if (!bySource.TryGetValue(requests[i].SourceId, out var batch))
            {
                batch = ([], []);
                bySource.Add(requests[i].SourceId, batch);
            }
            batch.Events.AddRange(fresh[i]);
            batch.TraceParents.Add(requests[i].TraceParent);
        }
        return [.. bySource.Select(source => new SourceBatch(newBatchId(), source.Key, source.Value.Events, source.Value.TraceParents))];
    }

    /// <summary>
    /// The group's new events counted per source and hour (a group can straddle an hour), each with the latest request's
    /// arrival time; in (source, hour) order, the order their rows are locked in.
    /// </summary>
    public static IReadOnlyList<VolumeCount> CountVolume(IReadOnlyList<AcceptedRequest> requests, IReadOnlyList<IReadOnlyList<TrackedEvent>> fresh)
    {
        var counts = new SortedDictionary<(string SourceId, DateTimeOffset Hour), (DateTimeOffset ReceivedAt, List<TrackedEvent> Events)>(
            Comparer<(string SourceId, DateTimeOffset Hour)>.Create((a, b) =>
                string.CompareOrdinal(a.SourceId, b.SourceId) is var bySource and not 0 ? bySource : a.Hour.CompareTo(b.Hour)));
        for (var i = 0; i < requests.Count; i++)
        {
            if (fresh[i].Count == 0)
            {
                continue;
            }
            var request = requests[i];
            var key = (request.SourceId, Sources.SourceVolume.HourOf(request.ReceivedAt));
            var (receivedAt, events) = counts.TryGetValue(key, out var count) ? count : (request.ReceivedAt, new List<TrackedEvent>());
            events.AddRange(fresh[i]);
            counts[key] = (request.ReceivedAt > receivedAt ? request.ReceivedAt : receivedAt, events);
        }
        return [.. counts.Select(count => new VolumeCount(count.Key.SourceId, count.Value.ReceivedAt, count.Value.Events))];
    }
}
