using Npgsql;
using NpgsqlTypes;

namespace Alle.Platform.Outbox;

/// <summary>
/// Writes outbox rows inside the caller's transaction (a command joins the transaction open on its connection) and
/// trace; <see cref="OutboxRelay"/> delivers them once that transaction has committed. A row whose message id is
/// already pending is kept once.
/// </summary>
public static class OutboxWriter
{
    public static Task AddAsync(this NpgsqlConnection connection, OutboxEntry entry, DateTimeOffset now, CancellationToken cancellationToken) =>
        connection.AddAsync([entry], now, cancellationToken);

    public static async Task AddAsync(this NpgsqlConnection connection, IReadOnlyCollection<OutboxEntry> entries, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (entries.Count == 0)
        {
            return;
        }
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(Insert(entries, now));
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// One statement writing every entry, for callers that send several statements in one round trip.
    /// </summary>
    /// <param name="firstAttemptAt">
    /// When the relay may first deliver the rows (default: at once). A service that delivers from memory right after
    /// committing (ingestion's fast path) leaves the relay only what that path has not deleted by then.
    /// </param>
    public static NpgsqlBatchCommand Insert(IReadOnlyCollection<OutboxEntry> entries, DateTimeOffset now, DateTimeOffset? firstAttemptAt = null) =>
        Insert(entries, now, firstAttemptAt, OutboxTracing.CurrentTraceParent);

    /// <summary>
    /// As <see cref="Insert(IReadOnlyCollection{OutboxEntry}, DateTimeOffset, DateTimeOffset?)"/>, in the trace given rather
    /// than the current one: for a writer that commits on behalf of requests it is not running in (a group commit).
    /// </summary>
    public static NpgsqlBatchCommand Insert(IReadOnlyCollection<OutboxEntry> entries, DateTimeOffset now, DateTimeOffset? firstAttemptAt, string? traceParent)
    {
        var command = new NpgsqlBatchCommand("""
            INSERT INTO outbox_messages (message_id, destination, message_type, ordering_key, payload, trace_parent, created_at, next_attempt_at)
            SELECT m.id, m.destination, m.type, m.key, m.payload::json, $6, $7, $8
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS m(id, destination, type, key, payload, n)
            ORDER BY m.n
            ON CONFLICT (message_id) DO NOTHING
            """);
        command.Parameters.Add(TextArray(entries.Select(e => e.MessageId)));
        command.Parameters.Add(TextArray(entries.Select(e => OutboxDestinations.Name(e.Destination))));
        command.Parameters.Add(TextArray(entries.Select(e => e.MessageType)));
        command.Parameters.Add(TextArray(entries.Select(e => e.OrderingKey)));
        command.Parameters.Add(TextArray(entries.Select(e => e.Payload)));
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)traceParent ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = firstAttemptAt ?? now });
        return command;
    }

    /// <summary>
    /// Writes many entries with binary <c>COPY</c>, for bulk producers. Unlike <see cref="Insert"/> it cannot skip a message
    /// id already present: the whole copy fails, so give such entries ids unique to the run that writes them.
    /// </summary>
    public static async Task<ulong> CopyAsync(this NpgsqlConnection connection, IEnumerable<OutboxEntry> entries, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var traceParent = OutboxTracing.CurrentTraceParent;
        await using var writer = await connection.BeginBinaryImportAsync("""
            COPY outbox_messages (message_id, destination, message_type, ordering_key, payload, trace_parent, created_at, next_attempt_at)
            FROM STDIN (FORMAT BINARY)
            """, cancellationToken);
        foreach (var entry in entries)
        {
            await writer.StartRowAsync(cancellationToken);
            await writer.WriteAsync(entry.MessageId, NpgsqlDbType.Text, cancellationToken);
            await writer.WriteAsync(OutboxDestinations.Name(entry.Destination), NpgsqlDbType.Text, cancellationToken);
            await writer.WriteAsync(entry.MessageType, NpgsqlDbType.Text, cancellationToken);
            await WriteNullableAsync(writer, entry.OrderingKey, cancellationToken);
            await writer.WriteAsync(entry.Payload, NpgsqlDbType.Json, cancellationToken);
            await WriteNullableAsync(writer, traceParent, cancellationToken);
            await writer.WriteAsync(now, NpgsqlDbType.TimestampTz, cancellationToken);
            await writer.WriteAsync(now, NpgsqlDbType.TimestampTz, cancellationToken);
        }
        return await writer.CompleteAsync(cancellationToken);
    }

    /// <summary>
    /// Deletes every row, sent or not, about the subjects named by <paramref name="orderingKeys"/> (a deletion request):
    /// their facts not yet delivered are not delivered. Answers how many rows went.
    /// </summary>
    public static async Task<int> ForgetAsync(this NpgsqlConnection connection, IReadOnlyCollection<string> orderingKeys, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("DELETE FROM outbox_messages WHERE ordering_key = ANY($1)", connection);
        command.Parameters.Add(TextArray(orderingKeys));
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static Task WriteNullableAsync(NpgsqlBinaryImporter writer, string? value, CancellationToken cancellationToken) =>
        value is null ? writer.WriteNullAsync(cancellationToken) : writer.WriteAsync(value, NpgsqlDbType.Text, cancellationToken);

    private static NpgsqlParameter TextArray(IEnumerable<string?> values) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text };
}

internal static class OutboxDestinations
{
    public static string Name(OutboxDestination destination) => destination switch
    {
        OutboxDestination.Bus => "bus",
        OutboxDestination.Tracking => "tracking",
        _ => throw new ArgumentOutOfRangeException(nameof(destination)),
    };

    public static OutboxDestination Parse(string name) => name switch
    {
        "bus" => OutboxDestination.Bus,
        "tracking" => OutboxDestination.Tracking,
        _ => throw new InvalidOperationException($"Unknown outbox destination '{name}'."),
    };
}
