using System.Text.Json;
using Alle.Contracts;
using Npgsql;

namespace Alle.Profiles.Timeline;

/// <summary>Each person's events, newest first (walking skeleton: keyed by user id).</summary>
internal sealed class TimelineStore(NpgsqlDataSource dataSource)
{
    public async Task AppendAsync(IEnumerable<TrackedEvent> events, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        foreach (var trackedEvent in events.Where(e => e.UserId is not null))
        {
            var command = new NpgsqlBatchCommand("""
                INSERT INTO timeline (source_id, message_id, user_id, type, event, properties, timestamp)
                VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)
                ON CONFLICT DO NOTHING
                """);
            command.Parameters.Add(new NpgsqlParameter { Value = trackedEvent.SourceId });
            command.Parameters.Add(new NpgsqlParameter { Value = trackedEvent.MessageId });
            command.Parameters.Add(new NpgsqlParameter { Value = trackedEvent.UserId });
            command.Parameters.Add(new NpgsqlParameter { Value = trackedEvent.Type });
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)trackedEvent.Event ?? DBNull.Value });
            command.Parameters.Add(new NpgsqlParameter { Value = trackedEvent.Properties?.GetRawText() ?? "{}" });
            command.Parameters.Add(new NpgsqlParameter { Value = trackedEvent.Timestamp });
            batch.BatchCommands.Add(command);
        }
        if (batch.BatchCommands.Count > 0)
        {
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    public async Task<IReadOnlyList<TimelineEvent>> ReadAsync(string userId, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT message_id, type, event, properties::text, timestamp FROM timeline
            WHERE user_id = $1 ORDER BY timestamp DESC, message_id DESC LIMIT $2
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = userId });
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        var events = new List<TimelineEvent>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(new TimelineEvent(
                reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                JsonDocument.Parse(reader.GetString(3)).RootElement.Clone(), reader.GetFieldValue<DateTimeOffset>(4)));
        }
        return events;
    }
}

internal sealed record TimelineEvent(string MessageId, string Type, string? Event, JsonElement Properties, DateTimeOffset Timestamp);

internal sealed class SchemaInitializer(NpgsqlDataSource dataSource) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            CREATE TABLE IF NOT EXISTS timeline (
                source_id  text        NOT NULL,
                message_id text        NOT NULL,
                user_id    text        NOT NULL,
                type       text        NOT NULL,
                event      text,
                properties jsonb       NOT NULL,
                timestamp  timestamptz NOT NULL,
                PRIMARY KEY (source_id, message_id)
            );
            CREATE INDEX IF NOT EXISTS timeline_user ON timeline (user_id, timestamp DESC);
            """);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
