using Alle.Destinations.Intake;
using Alle.Platform.Sql;
using Npgsql;
using NpgsqlTypes;

namespace Alle.Destinations.Delivery;

/// <summary>A queued delivery claimed by a lane: locked by its transaction until the attempt is recorded.</summary>
internal sealed record ClaimedDelivery(long Id, string MessageId, Guid? MappingId, string Payload, int Attempts, DateTimeOffset EnqueuedAt);

/// <summary>What one attempt of one delivery came to.</summary>
internal sealed record AttemptRecord(long DeliveryId, string MessageId, int Attempt, string Status, string Outcome, int? StatusCode, int LatencyMs,
    string? ResponseBody, string? Error, DateTimeOffset? NextAttemptAt);

/// <summary>
/// The durable per-destination queue in <c>destinationsdb</c> (table <c>deliveries</c>). Rows are claimed with
/// <c>FOR UPDATE SKIP LOCKED</c> inside the transaction that then records the attempt, so replicas share a destination's
/// queue and a crashed instance's claims return to the queue the moment its connection drops (delivery is at least
/// once: an attempt whose answer was not recorded is made again, under the same message id).
/// </summary>
internal static class DeliveryQueue
{
    /// <summary>Serialises enqueues (shared) with suppressions and deletions (exclusive), so no event slips past either.</summary>
    public const long SubjectsLock = 0x4453_5542_4A45_4354;

    public static Task LockSubjectsSharedAsync(NpgsqlConnection connection, CancellationToken cancellationToken) =>
        connection.ExecuteAsync("SELECT pg_advisory_xact_lock_shared($1)", cancellationToken, SubjectsLock);

    public static Task LockSubjectsExclusiveAsync(NpgsqlConnection connection, CancellationToken cancellationToken) =>
        connection.ExecuteAsync("SELECT pg_advisory_xact_lock($1)", cancellationToken, SubjectsLock);

    /// <summary>
    /// Queues the planned rows; a (destination, delivery key) already present is left alone (that is the deduplication).
    /// A pending row whose person is suppressed, or was deleted after the event was received, is recorded as suppressed.
    /// Counts what was not queued in the hour's counters. Answers the destinations that got pending work.
    /// </summary>
    public static async Task<IReadOnlyList<Guid>> EnqueueAsync(NpgsqlConnection connection, IReadOnlyList<PlannedDelivery> rows, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return [];
        }
        return await connection.ListAsync("""
            WITH input AS (
                SELECT r.*, string_to_array(r.subject_text, ',') AS subjects
                FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::timestamptz[])
                     WITH ORDINALITY AS r(destination_id, delivery_key, message_id, mapping_id, ordering_key, status, reason, payload, subject_text, received_at, n)
            ), decided AS (
                SELECT i.*, CASE WHEN i.status = 'pending' AND (
                        EXISTS (SELECT 1 FROM suppressed_subjects s WHERE s.subject = ANY(i.subjects) AND s.suppressed)
                        OR EXISTS (SELECT 1 FROM deleted_subjects d WHERE d.subject = ANY(i.subjects) AND d.deleted_at >= i.received_at))
                    THEN 'suppressed' ELSE i.status END AS final_status
                FROM input i
            ), inserted AS (
                INSERT INTO deliveries (destination_id, delivery_key, message_id, mapping_id, ordering_key, status, reason, payload, subjects,
                                        received_at, enqueued_at, next_attempt_at, finished_at)
                SELECT destination_id, delivery_key, message_id, mapping_id, ordering_key, final_status,
                       CASE WHEN final_status = 'suppressed' AND status = 'pending' THEN 'suppressed' ELSE reason END,
                       CASE WHEN final_status = 'pending' THEN payload::json END,
                       COALESCE(subjects, '{}'), received_at, $11, $11, CASE WHEN final_status = 'pending' THEN NULL ELSE $11 END
                FROM decided ORDER BY n
                ON CONFLICT (destination_id, delivery_key) DO NOTHING
                RETURNING destination_id, status
            ), counted AS (
                INSERT INTO delivery_counts (destination_id, hour, filtered, consent_blocked, suppressed)
                SELECT destination_id, $12, count(*) FILTER (WHERE status = 'filtered'), count(*) FILTER (WHERE status = 'consent_blocked'),
                       count(*) FILTER (WHERE status = 'suppressed')
                FROM inserted WHERE status <> 'pending' GROUP BY destination_id
                ON CONFLICT (destination_id, hour) DO UPDATE SET filtered = delivery_counts.filtered + EXCLUDED.filtered,
                    consent_blocked = delivery_counts.consent_blocked + EXCLUDED.consent_blocked, suppressed = delivery_counts.suppressed + EXCLUDED.suppressed
            )
            SELECT DISTINCT destination_id FROM inserted WHERE status = 'pending'
            """, reader => reader.GetGuid(0), cancellationToken,
            Array(rows.Select(r => r.DestinationId), NpgsqlDbType.Uuid),
            Array(rows.Select(r => r.DeliveryKey), NpgsqlDbType.Text),
            Array(rows.Select(r => r.MessageId), NpgsqlDbType.Text),
            Array(rows.Select(r => r.MappingId), NpgsqlDbType.Uuid),
            Array(rows.Select(r => r.OrderingKey), NpgsqlDbType.Text),
            Array(rows.Select(r => r.Status), NpgsqlDbType.Text),
            Array(rows.Select(r => r.Reason), NpgsqlDbType.Text),
            Array(rows.Select(r => r.Payload), NpgsqlDbType.Text),
            Array(rows.Select(r => string.Join(',', r.Subjects)), NpgsqlDbType.Text),
            Array(rows.Select(r => r.ReceivedAt.ToUniversalTime()), NpgsqlDbType.TimestampTz),
            now, Hour(now));
    }

    /// <summary>
    /// Claims up to <paramref name="limit"/> due deliveries of a destination, oldest due first, skipping rows another
    /// lane holds and those in <paramref name="exclude"/> (already claimed by this transaction). When the destination
    /// keeps each person's events in order, only a person's earliest pending delivery can be claimed.
    /// </summary>
    public static Task<List<ClaimedDelivery>> ClaimAsync(NpgsqlConnection connection, Guid destinationId, bool ordered, int limit, long[] exclude,
        DateTimeOffset now, CancellationToken cancellationToken) =>
        connection.ListAsync($"""
            SELECT d.id, d.message_id, d.mapping_id, d.payload::text, d.attempts, d.enqueued_at
            FROM deliveries d
            WHERE d.destination_id = $1 AND d.status = 'pending' AND d.next_attempt_at <= $2 AND d.id <> ALL($4)
            {(ordered ? """
              AND (d.ordering_key IS NULL OR NOT EXISTS (
                  SELECT 1 FROM deliveries e
                  WHERE e.destination_id = d.destination_id AND e.status = 'pending' AND e.ordering_key = d.ordering_key AND e.id < d.id))
            """ : "")}
            ORDER BY d.next_attempt_at, d.id
            LIMIT $3
            FOR UPDATE OF d SKIP LOCKED
            """, reader => new ClaimedDelivery(reader.GetInt64(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetGuid(2), reader.GetString(3),
                reader.GetInt32(4), reader.Instant(5)),
            cancellationToken, destinationId, now, limit, exclude);

    /// <summary>Records attempts: each row's new state, the delivery log, and the hour's counters, in one round trip.</summary>
    public static async Task RecordAsync(NpgsqlConnection connection, Guid destinationId, IReadOnlyList<AttemptRecord> attempts, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        if (attempts.Count == 0)
        {
            return;
        }
        await using var batch = new NpgsqlBatch(connection);
        var update = new NpgsqlBatchCommand("""
            UPDATE deliveries d SET status = r.status, attempts = r.attempt, next_attempt_at = COALESCE(r.next_attempt_at, d.next_attempt_at),
                finished_at = CASE WHEN r.status = 'pending' THEN NULL ELSE $5 END, last_status_code = r.status_code, last_error = r.error,
                payload = CASE WHEN r.status = 'delivered' THEN NULL ELSE d.payload END
            FROM unnest($1::bigint[], $2::text[], $3::int[], $4::timestamptz[], $6::int[], $7::text[]) AS r(id, status, attempt, next_attempt_at, status_code, error)
            WHERE d.id = r.id
            """);
        update.Parameters.Add(Array(attempts.Select(a => a.DeliveryId), NpgsqlDbType.Bigint));
        update.Parameters.Add(Array(attempts.Select(a => a.Status), NpgsqlDbType.Text));
        update.Parameters.Add(Array(attempts.Select(a => a.Attempt), NpgsqlDbType.Integer));
        update.Parameters.Add(Array(attempts.Select(a => a.NextAttemptAt?.ToUniversalTime()), NpgsqlDbType.TimestampTz));
        update.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now.ToUniversalTime() });
        update.Parameters.Add(Array(attempts.Select(a => a.StatusCode), NpgsqlDbType.Integer));
        update.Parameters.Add(Array(attempts.Select(a => a.Error), NpgsqlDbType.Text));
        batch.BatchCommands.Add(update);

        var log = new NpgsqlBatchCommand("""
            INSERT INTO delivery_attempts (destination_id, delivery_id, message_id, attempt, outcome, status_code, latency_ms, response_body, error, attempted_at)
            SELECT $1, r.id, r.message_id, r.attempt, r.outcome, r.status_code, r.latency_ms, r.body, r.error, $10
            FROM unnest($2::bigint[], $3::text[], $4::int[], $5::text[], $6::int[], $7::int[], $8::text[], $9::text[])
                 AS r(id, message_id, attempt, outcome, status_code, latency_ms, body, error)
            """);
        log.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = destinationId });
        log.Parameters.Add(Array(attempts.Select(a => a.DeliveryId), NpgsqlDbType.Bigint));
        log.Parameters.Add(Array(attempts.Select(a => a.MessageId), NpgsqlDbType.Text));
        log.Parameters.Add(Array(attempts.Select(a => a.Attempt), NpgsqlDbType.Integer));
        log.Parameters.Add(Array(attempts.Select(a => a.Outcome), NpgsqlDbType.Text));
        log.Parameters.Add(Array(attempts.Select(a => a.StatusCode), NpgsqlDbType.Integer));
        log.Parameters.Add(Array(attempts.Select(a => a.LatencyMs), NpgsqlDbType.Integer));
        log.Parameters.Add(Array(attempts.Select(a => a.ResponseBody), NpgsqlDbType.Text));
        log.Parameters.Add(Array(attempts.Select(a => a.Error), NpgsqlDbType.Text));
        log.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now.ToUniversalTime() });
        batch.BatchCommands.Add(log);

        var counts = new NpgsqlBatchCommand("""
            INSERT INTO delivery_counts (destination_id, hour, delivered, retried, failed, dead_lettered) VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (destination_id, hour) DO UPDATE SET delivered = delivery_counts.delivered + EXCLUDED.delivered,
                retried = delivery_counts.retried + EXCLUDED.retried, failed = delivery_counts.failed + EXCLUDED.failed,
                dead_lettered = delivery_counts.dead_lettered + EXCLUDED.dead_lettered
            """);
        counts.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = destinationId });
        counts.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = Hour(now) });
        counts.Parameters.Add(new NpgsqlParameter<long> { TypedValue = attempts.Count(a => a.Status == DeliveryStatus.Delivered) });
        counts.Parameters.Add(new NpgsqlParameter<long> { TypedValue = attempts.Count(a => a.Status == DeliveryStatus.Pending) });
        counts.Parameters.Add(new NpgsqlParameter<long> { TypedValue = attempts.Count(a => a.Status is DeliveryStatus.Failed or DeliveryStatus.Dead) });
        counts.Parameters.Add(new NpgsqlParameter<long> { TypedValue = attempts.Count(a => a.Status == DeliveryStatus.Dead) });
        batch.BatchCommands.Add(counts);

        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The UTC hour an instant falls in, the key of the hourly counters.</summary>
    public static DateTimeOffset Hour(DateTimeOffset instant)
    {
        var utc = instant.ToUniversalTime();
        return new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, TimeSpan.Zero);
    }

    public static NpgsqlParameter Array<T>(IEnumerable<T> values, NpgsqlDbType type) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | type };
}
