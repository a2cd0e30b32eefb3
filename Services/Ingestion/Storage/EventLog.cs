using System.Text.Json;
using Alle.Contracts;
using Alle.Ingestion.Outbox;
using Alle.Ingestion.Sources;
using Alle.Ingestion.Tracking;
using Alle.Ingestion.TrackingPlans;
using Alle.Platform.Outbox;
using Npgsql;
using NpgsqlTypes;

namespace Alle.Ingestion.Storage;

/// <summary>What one Tracking API request leaves behind once it is durable.</summary>
internal sealed record AcceptedRequest(
    Guid BatchId,
    string SourceId,
    DateTimeOffset ReceivedAt,
    IReadOnlyList<TrackedEvent> Events,
    IReadOnlyList<RejectedMessage> Rejected,
    IReadOnlyList<PlanViolation> Violations,
    string? TraceParent);

/// <summary>
/// Makes a request durable in one transaction before it is acknowledged: records each (source, messageId) once, writes
/// the events not seen before into the outbox as one batch (the relay publishes it as one <see cref="EventsIngested"/>),
/// records rejections and tracking-plan violations, and counts the new events in the source's hour.
/// </summary>
internal sealed class EventLog([FromKeyedServices(IngestionDatabase.Name)] NpgsqlDataSource dataSource)
{
    public static readonly JsonSerializerOptions PayloadOptions = JsonSerializerOptions.Web;

    /// <summary>Commits the request; returns the events not seen before (a client retry finds its events already here).</summary>
    public async Task<IReadOnlyList<TrackedEvent>> AppendAsync(AcceptedRequest request, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        var fresh = request.Events.Count == 0 ? [] : await RecordMessageIdsAsync(connection, transaction, request, cancellationToken);

        await using var batch = new NpgsqlBatch(connection, transaction);
        if (fresh.Count > 0)
        {
            batch.BatchCommands.Add(OutboxWriter.Insert([CommittedBatchPublisher.Entry(request.BatchId, request.SourceId, fresh)], request.ReceivedAt,
                firstAttemptAt: request.ReceivedAt + CommittedBatchPublisher.HandOverTime));
            batch.BatchCommands.Add(SourceVolume.CountCommand(request.SourceId, request.ReceivedAt, fresh));
        }
        if (request.Rejected.Count > 0)
        {
            batch.BatchCommands.Add(RejectionsCommand(request));
        }
        if (request.Violations.Count > 0)
        {
            batch.BatchCommands.Add(ViolationsCommand(request));
        }
        if (batch.BatchCommands.Count > 0)
        {
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return fresh;
    }

    private static async Task<IReadOnlyList<TrackedEvent>> RecordMessageIdsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        AcceptedRequest request, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            INSERT INTO received_messages (source_id, message_id, received_at)
            SELECT $1, message_id, $2 FROM unnest($3::text[]) AS message_id
            ON CONFLICT DO NOTHING
            RETURNING message_id
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.SourceId });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = request.ReceivedAt });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. request.Events.Select(e => e.MessageId)] });

        var inserted = new HashSet<string>(StringComparer.Ordinal);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                inserted.Add(reader.GetString(0));
            }
        }
        if (inserted.Count == request.Events.Count)
        {
            return request.Events;
        }
        // Keep the first occurrence of each new id, in the order sent (a batch may repeat a messageId).
        return [.. request.Events.Where(e => inserted.Remove(e.MessageId))];
    }

    private static NpgsqlBatchCommand RejectionsCommand(AcceptedRequest request)
    {
        var rejected = request.Rejected;
        var command = new NpgsqlBatchCommand("""
            INSERT INTO rejected_events (source_id, received_at, message_id, type, event, reason, user_id, anonymous_id, payload)
            SELECT $1, $2, * FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::jsonb[])
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.SourceId });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = request.ReceivedAt });
        command.Parameters.Add(TextArray(rejected.Select(r => r.MessageId)));
        command.Parameters.Add(TextArray(rejected.Select(r => r.Type)));
        command.Parameters.Add(TextArray(rejected.Select(r => r.Event)));
        command.Parameters.Add(TextArray(rejected.Select(r => r.Reason)));
        command.Parameters.Add(TextArray(rejected.Select(r => r.UserId)));
        command.Parameters.Add(TextArray(rejected.Select(r => r.AnonymousId)));
        command.Parameters.Add(JsonArray(rejected.Select(r => r.Payload)));
        return command;
    }

    private static NpgsqlBatchCommand ViolationsCommand(AcceptedRequest request)
    {
        var violations = request.Violations;
        var command = new NpgsqlBatchCommand("""
            INSERT INTO plan_violations (source_id, received_at, event_key, message_id, kind, errors, action, user_id, anonymous_id, payload)
            SELECT $1, $2, * FROM unnest($3::text[], $4::text[], $5::text[], $6::jsonb[], $7::text[], $8::text[], $9::text[], $10::jsonb[])
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.SourceId });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = request.ReceivedAt });
        command.Parameters.Add(TextArray(violations.Select(v => v.EventKey)));
        command.Parameters.Add(TextArray(violations.Select(v => v.MessageId)));
        command.Parameters.Add(TextArray(violations.Select(v => v.Kind)));
        command.Parameters.Add(new NpgsqlParameter { Value = violations.Select(v => JsonSerializer.Serialize(v.Errors)).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        command.Parameters.Add(TextArray(violations.Select(v => v.Action.ToString().ToLowerInvariant())));
        command.Parameters.Add(TextArray(violations.Select(v => v.UserId)));
        command.Parameters.Add(TextArray(violations.Select(v => v.AnonymousId)));
        command.Parameters.Add(JsonArray(violations.Select(v => v.Payload)));
        return command;
    }

    private static NpgsqlParameter TextArray(IEnumerable<string?> values) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text };

    private static NpgsqlParameter JsonArray(IEnumerable<JsonElement?> values) =>
        new() { Value = values.Select(v => v?.GetRawText()).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb };
}
