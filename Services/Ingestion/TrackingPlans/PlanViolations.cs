using System.Text.Json;
using Alle.Ingestion.Storage;
using Npgsql;

namespace Alle.Ingestion.TrackingPlans;

internal sealed record ViolationExample(string MessageId, string Kind, string Action, IReadOnlyList<string> Errors, DateTimeOffset ReceivedAt, JsonElement? Payload);

internal sealed record EventViolations(string Event, long Count, long Blocked, DateTimeOffset LastSeen, IReadOnlyList<ViolationExample> Examples);

/// <summary>Tracking-plan violations per source and event: counts, how many were blocked, and the latest examples.</summary>
internal sealed class PlanViolations([FromKeyedServices(IngestionDatabase.Name)] NpgsqlDataSource dataSource)
{
    public async Task<IReadOnlyList<EventViolations>> SummarizeAsync(string sourceId, string? eventKey, int examplesPerEvent, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            WITH scoped AS (
                SELECT * FROM plan_violations WHERE source_id = $1 AND ($2::text IS NULL OR event_key = $2)
            ), totals AS (
                SELECT event_key, count(*) AS total, count(*) FILTER (WHERE action = 'block') AS blocked, max(received_at) AS last_seen
                FROM scoped GROUP BY event_key
            ), examples AS (
                SELECT event_key, message_id, kind, action, errors::text, received_at, payload::text,
                       row_number() OVER (PARTITION BY event_key ORDER BY received_at DESC, id DESC) AS rank
                FROM scoped
            )
            SELECT t.event_key, t.total, t.blocked, t.last_seen, e.message_id, e.kind, e.action, e.errors, e.received_at, e.payload
            FROM totals t JOIN examples e ON e.event_key = t.event_key AND e.rank <= $3
            ORDER BY t.total DESC, t.event_key, e.rank
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = sourceId });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)eventKey ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = examplesPerEvent });

        var summaries = new List<EventViolations>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var key = reader.GetString(0);
            if (summaries.Count == 0 || summaries[^1].Event != key)
            {
                summaries.Add(new EventViolations(key, reader.GetInt64(1), reader.GetInt64(2), reader.GetFieldValue<DateTimeOffset>(3), new List<ViolationExample>()));
            }
            ((List<ViolationExample>)summaries[^1].Examples).Add(new ViolationExample(
                reader.GetString(4), reader.GetString(5), reader.GetString(6),
                JsonSerializer.Deserialize<string[]>(reader.GetString(7)) ?? [],
                reader.GetFieldValue<DateTimeOffset>(8),
                reader.IsDBNull(9) ? null : JsonSerializer.Deserialize<JsonElement>(reader.GetString(9))));
        }
        return summaries;
    }
}
