using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace Alle.Destinations.Intake;

/// <summary>
/// The latest events of each source as this instance received them, to test a mapping against a real event before it
/// is saved. Kept in memory only, a few per source; a person's events are forgotten when she is deleted or suppressed.
/// </summary>
internal sealed class SampleBuffer
{
    public const int PerSource = 20;

    private readonly ConcurrentDictionary<string, LinkedList<(JsonObject Event, string[] Subjects)>> _bySource = new(StringComparer.Ordinal);

    public void Add(string sourceId, IEnumerable<IncomingEvent> events)
    {
        var samples = _bySource.GetOrAdd(sourceId, _ => new LinkedList<(JsonObject, string[])>());
        lock (samples)
        {
            foreach (var incoming in events)
            {
                samples.AddFirst(((JsonObject)incoming.Event.DeepClone(), incoming.Subjects));
                if (samples.Count > PerSource)
                {
                    samples.RemoveLast();
                }
            }
        }
    }

    /// <summary>Newest first, from the given sources (every source when none is given).</summary>
    public IReadOnlyList<JsonObject> Latest(IReadOnlyCollection<string> sources, int limit)
    {
        var found = new List<JsonObject>();
        foreach (var (source, samples) in _bySource)
        {
            if (sources.Count > 0 && !sources.Contains(source))
            {
                continue;
            }
            lock (samples)
            {
                found.AddRange(samples.Select(sample => sample.Event));
            }
        }
        return [.. found.OrderByDescending(e => e["receivedAt"]?.GetValue<string>(), StringComparer.Ordinal).Take(limit).Select(e => (JsonObject)e.DeepClone())];
    }

    public void Forget(IReadOnlySet<string> subjects)
    {
        foreach (var samples in _bySource.Values)
        {
            lock (samples)
            {
                for (var node = samples.First; node is not null;)
                {
                    var next = node.Next;
                    if (node.Value.Subjects.Any(subjects.Contains))
                    {
                        samples.Remove(node);
                    }
                    node = next;
                }
            }
        }
    }
}
