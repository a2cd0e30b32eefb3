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
/// <param name="Bytes">The request body's size, which bounds how many requests share one commit.</param>
internal sealed record AcceptedRequest(
    string SourceId,
    DateTimeOffset ReceivedAt,
    IReadOnlyList<TrackedEvent> Events,
    IReadOnlyList<RejectedMessage> Rejected,
    IReadOnlyList<PlanViolation> Violations,
    string? TraceParent,
    int Bytes = 0)
{
    /// <summary>Rows the request writes besides its message ids: events, rejections and violations.</summary>
    public int Calls => Events.Count + Rejected.Count + Violations.Count;
}

/// <summary>A committed group: each request's events not seen before (in the group's order), and one batch per source.</summary>
internal sealed record CommittedGroup(IReadOnlyList<IReadOnlyList<TrackedEvent>> Fresh, IReadOnlyList<SourceBatch> Batches);

/// <summary>
/// Makes a group of requests durable in one transaction before any of them is acknowledged: records each
/// (source, messageId) once, writes each source's events not seen before into the outbox as one batch (published as one
/// <see cref="EventsIngested"/>), records rejections and tracking-plan violations, and counts the new events in their
/// source's hour.
/// </summary>
internal sealed class EventLog([FromKeyedServices(IngestionDatabase.Name)] NpgsqlDataSource dataSource)
{
    public static readonly JsonSerializerOptions PayloadOptions = JsonSerializerOptions.Web;

    /// <summary>Commits the group; a client retry, or a second request with the same message id, finds its events already here.</summary>
    public async Task<CommittedGroup> AppendAsync(IReadOnlyList<AcceptedRequest> group, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        var inserted = await RecordMessageIdsAsync(connection, transaction, group, cancellationToken);
        var fresh = CommitGroup.AssignFresh(group, inserted);
        var batches = CommitGroup.SplitBySource(group, fresh, Guid.NewGuid);

        await using var batch = new NpgsqlBatch(connection, transaction);
        var writtenAt = group.Max(request => request.ReceivedAt);
        foreach (var sourceBatch in batches)
        {
            batch.BatchCommands.Add(OutboxWriter.Insert([CommittedBatchPublisher.Entry(sourceBatch.BatchId, sourceBatch.SourceId, sourceBatch.Events)], writtenAt,
                writtenAt + CommittedBatchPublisher.HandOverTime, sourceBatch.TraceParents[0]));
        }
        foreach (var volume in CommitGroup.CountVolume(group, fresh))
        {
            batch.BatchCommands.Add(SourceVolume.CountCommand(volume.SourceId, volume.ReceivedAt, volume.Events));
        }
        if (group.Any(request => request.Rejected.Count > 0))
        {
            batch.BatchCommands.Add(RejectionsCommand(group));
        }
        if (group.Any(request => request.Violations.Count > 0))
        {
            batch.BatchCommands.Add(ViolationsCommand(group));
        }
        if (batch.BatchCommands.Count > 0)
        {
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return new CommittedGroup(fresh, batches);
    }

    // Ids are inserted in key order, so two groups in flight at once take their row locks in the same order.
    private static async Task<HashSet<(string SourceId, string MessageId)>> RecordMessageIdsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        IReadOnlyList<AcceptedRequest> group, CancellationToken cancellationToken)
    {
        var inserted = new HashSet<(string, string)>();
        var events = group.SelectMany(request => request.Events.Select(e => (request.SourceId, e.MessageId, request.ReceivedAt))).ToList();
        if (events.Count == 0)
        {
            return inserted;
        }
        await using var command = new NpgsqlCommand("""
            INSERT INTO received_messages (source_id, message_id, received_at)
            SELECT m.source_id, m.message_id, m.received_at
            FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS m(source_id, message_id, received_at)
            ORDER BY m.source_id, m.message_id
            ON CONFLICT DO NOTHING
            RETURNING source_id, message_id
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. events.Select(e => e.SourceId)] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. events.Select(e => e.MessageId)] });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = [.. events.Select(e => e.ReceivedAt)] });

        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            inserted.Add((reader.GetString(0), reader.GetString(1)));
        }
        return inserted;
    }

    private static NpgsqlBatchCommand RejectionsCommand(IReadOnlyList<AcceptedRequest> group)
    {
        var rejected = group.SelectMany(request => request.Rejected.Select(rejection => (request, rejection))).ToList();
        var command = new NpgsqlBatchCommand("""
            INSERT INTO rejected_events (source_id, received_at, message_id, type, event, reason, user_id, anonymous_id, payload)
            SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::jsonb[])
            """);
        command.Parameters.Add(TextArray(rejected.Select(r => r.request.SourceId)));
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = [.. rejected.Select(r => r.request.ReceivedAt)] });
        command.Parameters.Add(TextArray(rejected.Select(r => r.rejection.MessageId)));
        command.Parameters.Add(TextArray(rejected.Select(r => r.rejection.Type)));
        command.Parameters.Add(TextArray(rejected.Select(r => r.rejection.Event)));
        command.Parameters.Add(TextArray(rejected.Select(r => r.rejection.Reason)));
        command.Parameters.Add(TextArray(rejected.Select(r => r.rejection.UserId)));
        command.Parameters.Add(TextArray(rejected.Select(r => r.rejection.AnonymousId)));
        command.Parameters.Add(JsonArray(rejected.Select(r => r.rejection.Payload)));
        return command;
    }

    private static NpgsqlBatchCommand ViolationsCommand(IReadOnlyList<AcceptedRequest> group)
    {
        var violations = group.SelectMany(request => request.Violations.Select(violation => (request, violation))).ToList();
        var command = new NpgsqlBatchCommand("""
            INSERT INTO plan_violations (source_id, received_at, event_key, message_id, kind, errors, action, user_id, anonymous_id, payload)
            SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::text[], $8::text[], $9::text[], $10::jsonb[])
            """);
        command.Parameters.Add(TextArray(violations.Select(v => v.request.SourceId)));
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = [.. violations.Select(v => v.request.ReceivedAt)] });
        command.Parameters.Add(TextArray(violations.Select(v => v.violation.EventKey)));
        command.Parameters.Add(TextArray(violations.Select(v => v.violation.MessageId)));
        command.Parameters.Add(TextArray(violations.Select(v => v.violation.Kind)));
        command.Parameters.Add(new NpgsqlParameter { Value = violations.Select(v => JsonSerializer.Serialize(v.violation.Errors)).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        command.Parameters.Add(TextArray(violations.Select(v => v.violation.Action.ToString().ToLowerInvariant())));
        command.Parameters.Add(TextArray(violations.Select(v => v.violation.UserId)));
        command.Parameters.Add(TextArray(violations.Select(v => v.violation.AnonymousId)));
        command.Parameters.Add(JsonArray(violations.Select(v => v.violation.Payload)));
        return command;
    }

    private static NpgsqlParameter TextArray(IEnumerable<string?> values) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text };

    private static NpgsqlParameter JsonArray(IEnumerable<JsonElement?> values) =>
        new() { Value = values.Select(v => v?.GetRawText()).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb };
}
