using Alle.Platform.Sql;
using Alle.Platform.Workers;
using Npgsql;

namespace Alle.Destinations.Delivery;

internal sealed record AttemptLine(long Id, long DeliveryId, string MessageId, int Attempt, string Outcome, int? StatusCode, int LatencyMs, string? ResponseBody,
    string? Error, DateTimeOffset AttemptedAt);

internal sealed record HourCounts(DateTimeOffset Hour, long Delivered, long Retried, long Failed, long DeadLettered, long Filtered, long ConsentBlocked, long Suppressed);

internal sealed record QueueState(long Pending, long DeadLetters, DateTimeOffset? OldestPendingAt);

internal sealed record DeadLetter(long Id, string MessageId, Guid? MappingId, string Status, string Reason, int Attempts, int? LastStatusCode, string? LastError,
    DateTimeOffset EnqueuedAt, DateTimeOffset? FinishedAt, string? Payload);

internal sealed record DeliveryState(long Id, string MessageId, Guid? MappingId, string Status, string? Reason, int Attempts, int? LastStatusCode, string? LastError,
    DateTimeOffset EnqueuedAt, DateTimeOffset NextAttemptAt, DateTimeOffset? FinishedAt);

/// <summary>What operators read of a destination's queue: the delivery log, hourly counts, the dead letters (and their replay).</summary>
internal sealed class DeliveryReports(NpgsqlDataSource dataSource, WorkSignal<DeliveryWorker> deliverySignal)
{
    public async Task<List<AttemptLine>> LogAsync(Guid destinationId, int limit, long? before, string? outcome, string? messageId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ListAsync("""
            SELECT id, delivery_id, message_id, attempt, outcome, status_code, latency_ms, response_body, error, attempted_at
            FROM delivery_attempts
            WHERE destination_id = $1 AND id < $2 AND ($3::text IS NULL OR outcome = $3) AND ($4::text IS NULL OR message_id = $4)
            ORDER BY id DESC LIMIT $5
            """, reader => new AttemptLine(reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2), reader.GetInt32(3), reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetInt32(5), reader.GetInt32(6), reader.NullableString(7), reader.NullableString(8), reader.Instant(9)),
            cancellationToken, destinationId, before ?? long.MaxValue, Sql.Text(outcome), Sql.Text(messageId), limit);
    }

    /// <summary>Counts per hour for the last <paramref name="hours"/> hours, every hour present (zeros where nothing happened).</summary>
    public async Task<List<HourCounts>> CountsAsync(Guid destinationId, int hours, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var last = DeliveryQueue.Hour(now);
        var first = last.AddHours(1 - hours);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = (await connection.ListAsync("""
            SELECT hour, delivered, retried, failed, dead_lettered, filtered, consent_blocked, suppressed FROM delivery_counts
            WHERE destination_id = $1 AND hour >= $2
            """, reader => new HourCounts(reader.Instant(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5),
                reader.GetInt64(6), reader.GetInt64(7)), cancellationToken, destinationId, first)).ToDictionary(r => r.Hour);
        return [.. Enumerable.Range(0, hours).Select(i => first.AddHours(i)).Select(hour => rows.GetValueOrDefault(hour) ?? new HourCounts(hour, 0, 0, 0, 0, 0, 0, 0))];
    }

    public async Task<QueueState> StateAsync(Guid destinationId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var state = await connection.ListAsync("""
            SELECT (SELECT count(*) FROM deliveries WHERE destination_id = $1 AND status = 'pending'),
                   (SELECT count(*) FROM deliveries WHERE destination_id = $1 AND status IN ('dead', 'failed')),
                   (SELECT min(enqueued_at) FROM deliveries WHERE destination_id = $1 AND status = 'pending')
            """, reader => new QueueState(reader.GetInt64(0), reader.GetInt64(1), reader.NullableInstant(2)), cancellationToken, destinationId);
        return state[0];
    }

    public async Task<List<DeadLetter>> DeadLettersAsync(Guid destinationId, int limit, long? before, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ListAsync("""
            SELECT id, message_id, mapping_id, status, attempts, last_status_code, last_error, enqueued_at, finished_at, payload::text
            FROM deliveries WHERE destination_id = $1 AND status IN ('dead', 'failed') AND id < $2
            ORDER BY id DESC LIMIT $3
            """, reader => new DeadLetter(reader.GetInt64(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetGuid(2), reader.GetString(3),
                reader.GetString(3) == "dead" ? "retries_exhausted" : "rejected", reader.GetInt32(4), reader.IsDBNull(5) ? null : reader.GetInt32(5),
                reader.NullableString(6), reader.Instant(7), reader.NullableInstant(8), reader.NullableString(9)),
            cancellationToken, destinationId, before ?? long.MaxValue, limit);
    }

    /// <summary>Queues dead letters again (all, or those named) with a fresh retry window; the same message ids go out.</summary>
    public async Task<int> ReplayAsync(Guid destinationId, long[]? ids, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var replayed = await connection.ExecuteAsync("""
            UPDATE deliveries SET status = 'pending', attempts = 0, enqueued_at = $3, next_attempt_at = $3, finished_at = NULL
            WHERE destination_id = $1 AND status IN ('dead', 'failed') AND payload IS NOT NULL AND ($2::bigint[] IS NULL OR id = ANY($2))
            """, cancellationToken, destinationId, new NpgsqlParameter { Value = (object?)ids ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Bigint }, now);
        if (replayed > 0)
        {
            deliverySignal.Notify();
        }
        return replayed;
    }

    public async Task<List<DeliveryState>> DeliveriesAsync(Guid destinationId, string messageId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ListAsync("""
            SELECT id, message_id, mapping_id, status, reason, attempts, last_status_code, last_error, enqueued_at, next_attempt_at, finished_at
            FROM deliveries WHERE destination_id = $1 AND message_id = $2 ORDER BY id
            """, reader => new DeliveryState(reader.GetInt64(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetGuid(2), reader.GetString(3),
                reader.NullableString(4), reader.GetInt32(5), reader.IsDBNull(6) ? null : reader.GetInt32(6), reader.NullableString(7), reader.Instant(8),
                reader.Instant(9), reader.NullableInstant(10)),
            cancellationToken, destinationId, messageId);
    }
}
