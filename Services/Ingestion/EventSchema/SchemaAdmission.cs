namespace Alle.Ingestion.EventSchema;

/// <summary>One event's row as it will be upserted: the counts to add, and the properties admitted with it.</summary>
internal sealed record AdmittedEvent(EventKey Key, EventSeen Seen, IReadOnlyList<(string Name, PropertySeen Seen)> Properties, long PropertiesDropped);

/// <summary>What of a source's observations fits beside what is stored, and what was dropped.</summary>
internal sealed record Admission(IReadOnlyList<AdmittedEvent> Events, long EventsDropped);

/// <summary>
/// Decides what of a flush fits a source's limits given what is stored already (pure logic): known events and
/// properties always update; new ones are admitted while there is room, the most frequent first, and the rest are
/// counted as dropped.
/// </summary>
internal static class SchemaAdmission
{
    public static Admission Admit(IReadOnlyDictionary<EventKey, EventSeen> observed, long eventsDroppedInMemory,
        IReadOnlySet<EventKey> storedEvents, IReadOnlyDictionary<EventKey, IReadOnlySet<string>> storedProperties, SchemaLimits limits)
    {
        var room = limits.EventsPerSource - storedEvents.Count;
        var admitted = new List<AdmittedEvent>();
        var dropped = eventsDroppedInMemory;
        foreach (var (key, seen) in observed.OrderByDescending(pair => storedEvents.Contains(pair.Key)).ThenByDescending(pair => pair.Value.Count)
                     .ThenBy(pair => pair.Key.Type, StringComparer.Ordinal).ThenBy(pair => pair.Key.Event, StringComparer.Ordinal))
        {
            if (!storedEvents.Contains(key))
            {
                if (room <= 0)
                {
                    dropped += seen.Count;
                    continue;
                }
                room--;
            }
            var known = storedProperties.GetValueOrDefault(key) ?? new HashSet<string>();
            var propertyRoom = limits.PropertiesPerEvent - known.Count;
            var properties = new List<(string, PropertySeen)>();
            var propertiesDropped = seen.PropertiesDropped;
            foreach (var (name, property) in seen.Properties.OrderByDescending(pair => known.Contains(pair.Key)).ThenByDescending(pair => pair.Value.Count)
                         .ThenBy(pair => pair.Key, StringComparer.Ordinal))
            {
                if (!known.Contains(name))
                {
                    if (propertyRoom <= 0)
                    {
                        propertiesDropped += property.Count;
                        continue;
                    }
                    propertyRoom--;
                }
                properties.Add((name, property));
            }
            admitted.Add(new AdmittedEvent(key, seen, properties, propertiesDropped));
        }
        return new Admission(admitted, dropped);
    }
}
