using System.Text.Json;
using Npgsql;

namespace Alle.Ingestion.Storage;

internal sealed record RejectionCount(string Reason, long Count, DateTimeOffset LastSeen);

internal sealed record RejectedEvent(string? MessageId, string? Type, string? Event, string Reason, DateTimeOffset ReceivedAt, JsonElement? Payload);

internal sealed record RejectionReport(string SourceId, long Total, IReadOnlyList<RejectionCount> ByReason, IReadOnlyList<RejectedEvent> Recent);

/// <summary>The events a source sent that were not forwarded, counted per reason, newest first.</summary>
internal sealed class RejectedEvents([FromKeyedServices(IngestionDatabase.Name)] NpgsqlDataSource dataSource)
{
    public async Task<RejectionReport> ReportAsync(string sourceId, string? reason, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var counts = new List<RejectionCount>();
        await using (var command = new NpgsqlCommand("""
            SELECT reason, count(*), max(received_at) FROM rejected_events WHERE source_id = $1
            GROUP BY reason ORDER BY count(*) DESC, reason
            """, connection))
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = sourceId });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                counts.Add(new RejectionCount(reader.GetString(0), reader.GetInt64(1), reader.GetFieldValue<DateTimeOffset>(2)));
            }
        }

        var recent = new List<RejectedEvent>();
        await using (var command = new NpgsqlCommand("""
            SELECT message_id, type, event, reason, received_at, payload::text FROM rejected_events
            WHERE source_id = $1 AND ($2::text IS NULL OR reason = $2)
            ORDER BY received_at DESC, id DESC LIMIT $3
            """, connection))
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = sourceId });
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)reason ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                recent.Add(new RejectedEvent(
                    reader.IsDBNull(0) ? null : reader.GetString(0),
                    reader.IsDBNull(1) ? null : reader.GetString(1),
                    reader.IsDBNull(2) ? null : reader.GetString(2),
                    reader.GetString(3),
                    reader.GetFieldValue<DateTimeOffset>(4),
                    reader.IsDBNull(5) ? null : JsonSerializer.Deserialize<JsonElement>(reader.GetString(5))));
            }
        }
        return new RejectionReport(sourceId, counts.Sum(c => c.Count), counts, recent);
    }
}
