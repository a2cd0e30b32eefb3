using Alle.Platform.Sql;
using Npgsql;

namespace Alle.Platform.Outbox;

/// <summary>A row as claimed: still serialized.</summary>
internal sealed record ClaimedRow(long Id, string MessageId, OutboxDestination Destination, string MessageType, string? OrderingKey, string Payload,
    string? TraceParent, int Attempts);

/// <summary>A delivery that failed: when the row is tried again and why it failed.</summary>
internal sealed record FailedRow(long Id, string Error, DateTimeOffset NextAttemptAt);

/// <summary>What the outbox holds, for the health check, the metrics and the console.</summary>
public sealed record OutboxSnapshot(long Pending, long Failing, DateTimeOffset? OldestPendingAt, string? LastError, DateTimeOffset ReadAt);

/// <summary>The outbox's SQL.</summary>
internal sealed class OutboxStore(NpgsqlDataSource dataSource)
{
    /// <summary>Counting stops here: beyond it the figure only says "a lot", and counting further costs a scan.</summary>
    public const int PendingCountLimit = 1_000_000;

    /// <summary>
    /// Claims due rows in id order for the length of a transaction (<c>SKIP LOCKED</c>: replicas take other rows). A row
    /// is not due while an earlier row for the same destination with its ordering key is failing, so it never overtakes
    /// that row; rows for the other destination go on.
    /// </summary>
    public async Task<OutboxClaim> ClaimAsync(bool keepSent, DateTimeOffset now, IReadOnlyCollection<OutboxDestination> paused, int limit, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var rows = await connection.ListAsync("""
                SELECT m.id, m.message_id, m.destination, m.message_type, m.ordering_key, m.payload::text, m.trace_parent, m.attempts
                FROM outbox_messages m
                WHERE m.sent_at IS NULL AND m.next_attempt_at <= $1 AND m.destination <> ALL($2)
                  AND NOT EXISTS (SELECT 1 FROM outbox_messages e
                                  WHERE e.sent_at IS NULL AND e.attempts > 0 AND e.ordering_key = m.ordering_key
                                    AND e.destination = m.destination AND e.id < m.id)
                ORDER BY m.id
                LIMIT $3
                FOR UPDATE OF m SKIP LOCKED
                """,
                reader => new ClaimedRow(reader.GetInt64(0), reader.GetString(1), OutboxDestinations.Parse(reader.GetString(2)), reader.GetString(3),
                    reader.NullableString(4), reader.GetString(5), reader.NullableString(6), reader.GetInt32(7)),
                cancellationToken, now, paused.Select(OutboxDestinations.Name).ToArray(), limit);
            return new OutboxClaim(connection, transaction, rows, keepSent);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public async Task<OutboxSnapshot> ReadSnapshotAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var counts = await connection.ListAsync("""
            SELECT (SELECT count(*) FROM (SELECT 1 FROM outbox_messages WHERE sent_at IS NULL LIMIT $1) AS pending),
                   (SELECT count(*) FROM outbox_messages WHERE sent_at IS NULL AND attempts > 0),
                   (SELECT created_at FROM outbox_messages WHERE sent_at IS NULL ORDER BY id LIMIT 1),
                   (SELECT last_error FROM outbox_messages WHERE sent_at IS NULL AND attempts > 0 ORDER BY next_attempt_at DESC LIMIT 1)
            """,
            reader => new OutboxSnapshot(reader.GetInt64(0), reader.GetInt64(1), reader.NullableInstant(2), reader.NullableString(3), now),
            cancellationToken, PendingCountLimit);
        return counts[0];
    }

    /// <summary>Deletes sent rows older than <paramref name="before"/>, a chunk at a time so no statement runs long.</summary>
    public async Task<long> DeleteSentAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        long deleted = 0;
        int chunk;
        do
        {
            chunk = await connection.ExecuteAsync(
                "DELETE FROM outbox_messages WHERE id IN (SELECT id FROM outbox_messages WHERE sent_at < $1 LIMIT 5000)", cancellationToken, before);
            deleted += chunk;
        }
        while (chunk == 5000 && !cancellationToken.IsCancellationRequested);
        return deleted;
    }
}

/// <summary>Claimed rows and the transaction holding them: completing records the outcomes and releases them.</summary>
internal sealed class OutboxClaim(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<ClaimedRow> rows, bool keepSent) : IAsyncDisposable
{
    public IReadOnlyList<ClaimedRow> Rows => rows;

    /// <summary>Marks (or deletes) what was delivered and reschedules what failed; rows not attempted stay as they were.</summary>
    public async Task CompleteAsync(IReadOnlyCollection<long> delivered, IReadOnlyCollection<FailedRow> failed, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (delivered.Count > 0)
        {
            if (keepSent)
            {
                await connection.ExecuteAsync("UPDATE outbox_messages SET sent_at = $2, attempts = attempts + 1, last_error = NULL WHERE id = ANY($1)",
                    cancellationToken, delivered.ToArray(), now);
            }
            else
            {
                await connection.ExecuteAsync("DELETE FROM outbox_messages WHERE id = ANY($1)", cancellationToken, delivered.ToArray());
            }
        }
        if (failed.Count > 0)
        {
            await connection.ExecuteAsync("""
                UPDATE outbox_messages m SET attempts = m.attempts + 1, last_error = f.error, next_attempt_at = f.next_attempt_at
                FROM unnest($1::bigint[], $2::text[], $3::timestamptz[]) AS f(id, error, next_attempt_at)
                WHERE m.id = f.id
                """, cancellationToken,
                failed.Select(f => f.Id).ToArray(), failed.Select(f => f.Error.Length > 500 ? f.Error[..500] : f.Error).ToArray(),
                failed.Select(f => f.NextAttemptAt.ToUniversalTime()).ToArray());
        }
        await transaction.CommitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await transaction.DisposeAsync();
        await connection.DisposeAsync();
    }
}
