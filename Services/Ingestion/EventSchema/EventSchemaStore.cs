using Alle.Ingestion.Storage;
using Alle.Platform.Sql;
using Npgsql;

namespace Alle.Ingestion.EventSchema;

/// <summary>The event schema in ingestiondb: upserts of what the flusher accumulated, and the schema as operators read it.</summary>
internal sealed class EventSchemaStore([FromKeyedServices(IngestionDatabase.Name)] NpgsqlDataSource dataSource)
{
    /// <summary>
    /// Adds one flush to the stored schema, each source under its own transaction-scoped lock so replicas flushing at
    /// once respect the same limits.
    /// </summary>
    public async Task WriteAsync(SchemaObservations observations, SchemaLimits limits, CancellationToken cancellationToken)
    {
        foreach (var sourceId in observations.Sources.Keys.Concat(observations.EventsDropped.Keys).Distinct().Order(StringComparer.Ordinal))
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await connection.ExecuteAsync("SELECT pg_advisory_xact_lock(hashtext('event-schema:' || $1))", cancellationToken, sourceId);
            var observed = observations.Sources.GetValueOrDefault(sourceId) ?? [];
            var storedEvents = (await connection.ListAsync("SELECT type, event FROM event_schema_events WHERE source_id = $1",
                reader => new EventKey(reader.GetString(0), reader.GetString(1)), cancellationToken, sourceId)).ToHashSet();
            var storedProperties = (await connection.ListAsync("""
                    SELECT p.type, p.event, p.property FROM event_schema_properties p
                    JOIN unnest($2::text[], $3::text[]) AS i(type, event) ON i.type = p.type AND i.event = p.event
                    WHERE p.source_id = $1
                    """, reader => (Key: new EventKey(reader.GetString(0), reader.GetString(1)), Property: reader.GetString(2)), cancellationToken,
                    sourceId, observed.Keys.Select(key => key.Type).ToArray(), observed.Keys.Select(key => key.Event).ToArray()))
                .GroupBy(row => row.Key)
                .ToDictionary(group => group.Key, group => (IReadOnlySet<string>)group.Select(row => row.Property).ToHashSet(StringComparer.Ordinal));

            var admission = SchemaAdmission.Admit(observed, observations.EventsDropped.GetValueOrDefault(sourceId), storedEvents, storedProperties, limits);
            await UpsertEventsAsync(connection, sourceId, admission.Events, cancellationToken);
            await UpsertPropertiesAsync(connection, sourceId, admission.Events, cancellationToken);
            if (admission.EventsDropped > 0)
            {
                await connection.ExecuteAsync("""
                    INSERT INTO event_schema_sources (source_id, events_dropped) VALUES ($1, $2)
                    ON CONFLICT (source_id) DO UPDATE SET events_dropped = event_schema_sources.events_dropped + EXCLUDED.events_dropped
                    """, cancellationToken, sourceId, admission.EventsDropped);
            }
            await transaction.CommitAsync(cancellationToken);
        }
    }

    private static Task UpsertEventsAsync(NpgsqlConnection connection, string sourceId, IReadOnlyList<AdmittedEvent> events, CancellationToken cancellationToken) =>
        connection.ExecuteAsync("""
            INSERT INTO event_schema_events (source_id, type, event, count, first_seen, last_seen, properties_dropped)
            SELECT $1, * FROM unnest($2::text[], $3::text[], $4::bigint[], $5::timestamptz[], $6::timestamptz[], $7::bigint[])
            ON CONFLICT (source_id, type, event) DO UPDATE SET
                count = event_schema_events.count + EXCLUDED.count,
                first_seen = least(event_schema_events.first_seen, EXCLUDED.first_seen),
                last_seen = greatest(event_schema_events.last_seen, EXCLUDED.last_seen),
                properties_dropped = event_schema_events.properties_dropped + EXCLUDED.properties_dropped
            """, cancellationToken, sourceId,
            events.Select(e => e.Key.Type).ToArray(), events.Select(e => e.Key.Event).ToArray(), events.Select(e => e.Seen.Count).ToArray(),
            events.Select(e => e.Seen.FirstSeen.ToUniversalTime()).ToArray(), events.Select(e => e.Seen.LastSeen.ToUniversalTime()).ToArray(),
            events.Select(e => e.PropertiesDropped).ToArray());

    private static Task UpsertPropertiesAsync(NpgsqlConnection connection, string sourceId, IReadOnlyList<AdmittedEvent> events, CancellationToken cancellationToken)
    {
        var rows = events.SelectMany(e => e.Properties.Select(property => (e.Key, property.Name, property.Seen))).ToList();
        return connection.ExecuteAsync("""
            INSERT INTO event_schema_properties (source_id, type, event, property, types, count, first_seen, last_seen)
            SELECT $1, i.type, i.event, i.property, string_to_array(i.types, ','), i.count, i.first_seen, i.last_seen
            FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::timestamptz[], $8::timestamptz[])
                AS i(type, event, property, types, count, first_seen, last_seen)
            ON CONFLICT (source_id, type, event, property) DO UPDATE SET
                types = ARRAY(SELECT DISTINCT t FROM unnest(event_schema_properties.types || EXCLUDED.types) AS t ORDER BY t),
                count = event_schema_properties.count + EXCLUDED.count,
                first_seen = least(event_schema_properties.first_seen, EXCLUDED.first_seen),
                last_seen = greatest(event_schema_properties.last_seen, EXCLUDED.last_seen)
            """, cancellationToken, sourceId,
            rows.Select(r => r.Key.Type).ToArray(), rows.Select(r => r.Key.Event).ToArray(), rows.Select(r => r.Name).ToArray(),
            rows.Select(r => string.Join(',', r.Seen.Types)).ToArray(), rows.Select(r => r.Seen.Count).ToArray(),
            rows.Select(r => r.Seen.FirstSeen.ToUniversalTime()).ToArray(), rows.Select(r => r.Seen.LastSeen.ToUniversalTime()).ToArray());
    }

    /// <summary>Every source's schema (or one source's), events by type and name with their properties by name.</summary>
    public async Task<IReadOnlyList<SourceSchema>> ReadAsync(string? sourceId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var properties = (await connection.ListAsync("""
                SELECT source_id, type, event, property, types, count, first_seen, last_seen FROM event_schema_properties
                WHERE $1::text IS NULL OR source_id = $1 ORDER BY property
                """, reader => (Source: reader.GetString(0), Key: new EventKey(reader.GetString(1), reader.GetString(2)),
                    Property: new SchemaProperty(reader.GetString(3), reader.GetFieldValue<string[]>(4), reader.GetInt64(5), reader.Instant(6), reader.Instant(7))),
                cancellationToken, Sql.Text(sourceId)))
            .ToLookup(row => (row.Source, row.Key), row => row.Property);
        var events = await connection.ListAsync("""
            SELECT source_id, type, event, count, first_seen, last_seen, properties_dropped FROM event_schema_events
            WHERE $1::text IS NULL OR source_id = $1 ORDER BY source_id, type, event
            """, reader => (Source: reader.GetString(0), Key: new EventKey(reader.GetString(1), reader.GetString(2)), Count: reader.GetInt64(3),
                FirstSeen: reader.Instant(4), LastSeen: reader.Instant(5), PropertiesDropped: reader.GetInt64(6)), cancellationToken, Sql.Text(sourceId));
        var dropped = (await connection.ListAsync("SELECT source_id, events_dropped FROM event_schema_sources WHERE $1::text IS NULL OR source_id = $1",
                reader => (Source: reader.GetString(0), Dropped: reader.GetInt64(1)), cancellationToken, Sql.Text(sourceId)))
            .ToDictionary(row => row.Source, row => row.Dropped, StringComparer.Ordinal);

        return events.GroupBy(row => row.Source)
            .Select(source => new SourceSchema(source.Key,
                source.Select(row => new SchemaEvent(row.Key.Type, row.Key.Type == "track" ? row.Key.Event : null, row.Count, row.FirstSeen, row.LastSeen,
                    [.. properties[(source.Key, row.Key)]], row.PropertiesDropped)).ToList(),
                dropped.GetValueOrDefault(source.Key)))
            .ToList();
    }
}

/// <summary>A source's schema: its events, and how many calls were not counted because the source had too many distinct events.</summary>
internal sealed record SourceSchema(string SourceId, IReadOnlyList<SchemaEvent> Events, long EventsDropped);

/// <summary>An event (<c>event</c> is the track event's name; null for page, screen, identify and group) with its properties.</summary>
internal sealed record SchemaEvent(string Type, string? Event, long Count, DateTimeOffset FirstSeen, DateTimeOffset LastSeen,
    IReadOnlyList<SchemaProperty> Properties, long PropertiesDropped);

/// <summary>A property (nested ones by dotted path, <c>provider.city</c>) with every JSON type it was seen with.</summary>
internal sealed record SchemaProperty(string Name, IReadOnlyList<string> Types, long Count, DateTimeOffset FirstSeen, DateTimeOffset LastSeen);
