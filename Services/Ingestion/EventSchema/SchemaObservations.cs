using System.Text.Json;
using Alle.Contracts;

namespace Alle.Ingestion.EventSchema;

/// <summary>The limits that keep a source's schema bounded however much it sends.</summary>
internal sealed record SchemaLimits(int EventsPerSource = 1_000, int PropertiesPerEvent = 200, int PropertyDepth = 3)
{
    public static SchemaLimits Default { get; } = new();
}

/// <summary>What was seen of one property of one event: its JSON types, how often, and when.</summary>
internal sealed class PropertySeen(DateTimeOffset at)
{
    public SortedSet<string> Types { get; } = new(StringComparer.Ordinal);
    public long Count { get; set; }
    public DateTimeOffset FirstSeen { get; set; } = at;
    public DateTimeOffset LastSeen { get; set; } = at;
}

/// <summary>What was seen of one event of one source (a track event by name; page, screen, identify and group by type).</summary>
internal sealed class EventSeen(DateTimeOffset at)
{
    public long Count { get; set; }
    public DateTimeOffset FirstSeen { get; set; } = at;
    public DateTimeOffset LastSeen { get; set; } = at;
    public Dictionary<string, PropertySeen> Properties { get; } = new(StringComparer.Ordinal);
    public long PropertiesDropped { get; set; }
}

/// <summary>An event's identity in the schema: its call type and, for track calls, its name ("" otherwise).</summary>
internal readonly record struct EventKey(string Type, string Event);

/// <summary>
/// Per source, the events seen with their properties' JSON types, counted in memory (pure logic, no I/O). The request
/// path adds each accepted batch; the flusher takes what accumulated and upserts it. Bounded by <see cref="SchemaLimits"/>:
/// what does not fit is counted as dropped, never kept.
/// </summary>
internal sealed class SchemaObservations(SchemaLimits limits)
{
    public static readonly string[] CollectedTypes = ["track", "page", "screen", "identify", "group"];

    public Dictionary<string, Dictionary<EventKey, EventSeen>> Sources { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, long> EventsDropped { get; } = new(StringComparer.Ordinal);

    public bool IsEmpty => Sources.Count == 0 && EventsDropped.Count == 0;

    public void Observe(TrackedEvent tracked)
    {
        if (!CollectedTypes.Contains(tracked.Type))
        {
            return;
        }
        var key = new EventKey(tracked.Type, tracked.Type == "track" ? tracked.Event ?? "" : "");
        var at = tracked.ReceivedAt;
        var events = Sources.TryGetValue(tracked.SourceId, out var known) ? known : Sources[tracked.SourceId] = new Dictionary<EventKey, EventSeen>();
        if (!events.TryGetValue(key, out var seen))
        {
            if (events.Count >= limits.EventsPerSource)
            {
                EventsDropped[tracked.SourceId] = EventsDropped.GetValueOrDefault(tracked.SourceId) + 1;
                return;
            }
            events[key] = seen = new EventSeen(at);
        }
        Count(seen, at);
        var payload = tracked.Type is "identify" or "group" ? tracked.Traits : tracked.Properties;
        if (payload is { ValueKind: JsonValueKind.Object } properties)
        {
            ObserveProperties(seen, properties, "", 1, at);
        }
    }

    private void ObserveProperties(EventSeen seen, JsonElement properties, string prefix, int depth, DateTimeOffset at)
    {
        foreach (var property in properties.EnumerateObject())
        {
            if (TypeName(property.Value.ValueKind) is not { } type)
            {
                continue;
            }
            var name = prefix + property.Name;
            if (!seen.Properties.TryGetValue(name, out var propertySeen))
            {
                if (seen.Properties.Count >= limits.PropertiesPerEvent)
                {
                    seen.PropertiesDropped++;
                    continue;
                }
                seen.Properties[name] = propertySeen = new PropertySeen(at);
            }
            propertySeen.Types.Add(type);
            propertySeen.Count++;
            propertySeen.FirstSeen = Min(propertySeen.FirstSeen, at);
            propertySeen.LastSeen = Max(propertySeen.LastSeen, at);
            if (type == "object" && depth < limits.PropertyDepth)
            {
                ObserveProperties(seen, property.Value, name + ".", depth + 1, at);
            }
        }
    }

    private static void Count(EventSeen seen, DateTimeOffset at)
    {
        seen.Count++;
        seen.FirstSeen = Min(seen.FirstSeen, at);
        seen.LastSeen = Max(seen.LastSeen, at);
    }

    /// <summary>The JSON type names the schema reports; null values say nothing about a property's type.</summary>
    public static string? TypeName(JsonValueKind kind) => kind switch
    {
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        _ => null,
    };

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
