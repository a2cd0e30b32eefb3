using System.Text.Json;
using Alle.Contracts;
using Npgsql;

namespace Alle.Ingestion.Storage;

/// <summary>Keeps every accepted event in ingestiondb before it is acknowledged; a repeated message id is stored once.</summary>
internal sealed class EventStore([FromKeyedServices("ingestiondb")] NpgsqlDataSource dataSource)
{
    /// <summary>Stores the events; returns those not seen before (a client retry finds its events already stored).</summary>
    public async Task<IReadOnlyList<TrackedEvent>> StoreAsync(IReadOnlyList<TrackedEvent> events, CancellationToken cancellationToken)
    {
        var stored = new List<TrackedEvent>(events.Count);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        foreach (var trackedEvent in events)
        {
            await using var command = new NpgsqlCommand("""
                INSERT INTO accepted_events (source_id, message_id, type, payload, received_at)
                VALUES ($1, $2, $3, $4::jsonb, $5)
                ON CONFLICT DO NOTHING
                """, connection);
            command.Parameters.AddWithValue(trackedEvent.SourceId);
            command.Parameters.AddWithValue(trackedEvent.MessageId);
            command.Parameters.AddWithValue(trackedEvent.Type);
            command.Parameters.AddWithValue(JsonSerializer.Serialize(trackedEvent, JsonSerializerOptions.Web));
            command.Parameters.AddWithValue(trackedEvent.ReceivedAt);
            if (await command.ExecuteNonQueryAsync(cancellationToken) == 1)
            {
                stored.Add(trackedEvent);
            }
        }
        return stored;
    }
}
