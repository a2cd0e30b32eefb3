using Alle.Contracts;
using Alle.Messaging.Outbox;
using Alle.Platform.Outbox;
using Alle.Platform.Sql;
using Npgsql;

namespace Alle.Messaging.Sending;

/// <summary>A request to text someone; <see cref="IdempotencyKey"/> makes a repeated request the same message.</summary>
internal sealed record OutgoingMessage(
    string IdempotencyKey,
    string To,
    string Body,
    MessageCategory Category,
    string? UserId = null,
    Guid? JourneyId = null,
    Guid? JourneyEntryId = null,
    string Purpose = "message",
    DateTimeOffset? NotBefore = null,
    string? Secret = null);

internal sealed record MessageRow(
    Guid Id,
    string To,
    string? UserId,
    MessageCategory Category,
    string Body,
    string Encoding,
    int Segments,
    string Status,
    string? SkipReason,
    DateTimeOffset NotBefore,
    string? ProviderSid,
    int? ErrorCode,
    string? ErrorMessage,
    Guid? JourneyId,
    string Purpose,
    int Attempts,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    byte[]? SealedBody = null);

internal sealed record MessageStatusEntry(string Status, int? ErrorCode, string? Detail, DateTimeOffset At);

/// <summary>The message log: every SMS intent, its body, encoding, segments and status history.</summary>
internal sealed class MessageStore(NpgsqlDataSource dataSource, TimeProvider clock, MessageSeal seal)
{
    internal const string Columns = """
        id, to_phone, user_id, category, body, encoding, segments, status, skip_reason, not_before, provider_sid,
        error_code, error_message, journey_id, purpose, attempts, created_at, updated_at, sealed_body
        """;

    public async Task<(Guid Id, bool Created)> EnqueueAsync(OutgoingMessage message, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var result = await EnqueueAsync(connection, transaction, message, clock.GetUtcNow(), cancellationToken, seal);
        await transaction.CommitAsync(cancellationToken);
        return result;
    }

    /// <summary>
    /// Records the intent (status pending); the same idempotency key returns the existing message. The body is kept as
    /// it will go out, after smart encoding, with its encoding and segments; a <see cref="OutgoingMessage.Secret"/> is
    /// masked in the log and the text as sent is sealed with <paramref name="seal"/> until it is sent.
    /// </summary>
    public static async Task<(Guid Id, bool Created)> EnqueueAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        OutgoingMessage message, DateTimeOffset now, CancellationToken cancellationToken, MessageSeal? seal = null)
    {
        var encoded = SmartEncoding.Apply(message.Body);
        var id = Guid.CreateVersion7(now);
        byte[]? sealedBody = null;
        var logged = encoded.Text;
        if (message.Secret is { Length: > 0 } secret)
        {
            sealedBody = (seal ?? throw new ArgumentNullException(nameof(seal), "A message with a secret needs a seal.")).Seal(id, encoded.Text);
            logged = MessageSeal.Mask(encoded.Text, secret);
        }
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO messages (id, idempotency_key, to_phone, user_id, category, body, encoding, segments, status,
                                  not_before, journey_id, journey_entry_id, purpose, created_at, updated_at, sealed_body)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, $10, $11, $12, $13, $13, $14)
            ON CONFLICT (idempotency_key) DO NOTHING
            """, connection, transaction))
        {
            insert.Parameters.AddWithValue(id);
            insert.Parameters.AddWithValue(message.IdempotencyKey);
            insert.Parameters.AddWithValue(message.To);
            insert.Parameters.AddWithValue((object?)message.UserId ?? DBNull.Value);
            insert.Parameters.AddWithValue(Consent.ConsentCategory.Of(message.Category));
            insert.Parameters.AddWithValue(logged);
            insert.Parameters.AddWithValue(encoded.Count.Encoding);
            insert.Parameters.AddWithValue(encoded.Count.Segments);
            insert.Parameters.AddWithValue(message.NotBefore ?? now);
            insert.Parameters.AddWithValue((object?)message.JourneyId ?? DBNull.Value);
            insert.Parameters.AddWithValue((object?)message.JourneyEntryId ?? DBNull.Value);
            insert.Parameters.AddWithValue(message.Purpose);
            insert.Parameters.AddWithValue(now);
            insert.Parameters.Add(new NpgsqlParameter { Value = (object?)sealedBody ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bytea });
            if (await insert.ExecuteNonQueryAsync(cancellationToken) == 1)
            {
                await AddEventAsync(connection, transaction, id, MessageStatus.Pending, null, null, now, cancellationToken);
                return (id, true);
            }
        }

        await using var existing = new NpgsqlCommand("SELECT id FROM messages WHERE idempotency_key = $1", connection, transaction);
        existing.Parameters.AddWithValue(message.IdempotencyKey);
        return ((Guid)(await existing.ExecuteScalarAsync(cancellationToken))!, false);
    }

    /// <summary>
    /// Records many intents at once, as <see cref="EnqueueAsync(NpgsqlConnection, NpgsqlTransaction, OutgoingMessage, DateTimeOffset, CancellationToken, MessageSeal?)"/>
    /// does one (no secrets: nothing here is sealed), each under the id given unless its key already names a message.
    /// Returns the message id of every idempotency key.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, Guid>> EnqueueManyAsync(NpgsqlConnection connection,
        IReadOnlyList<(Guid Id, OutgoingMessage Message)> messages, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var ids = new Dictionary<string, Guid>(StringComparer.Ordinal);
        if (messages.Count == 0)
        {
            return ids;
        }
        if (messages.Any(message => message.Message.Secret is not null))
        {
            throw new ArgumentException("Messages with a secret are sealed one at a time.", nameof(messages));
        }
        var encoded = messages.Select(message => SmartEncoding.Apply(message.Message.Body)).ToList();
        var created = await connection.ListAsync("""
            INSERT INTO messages (id, idempotency_key, to_phone, user_id, category, body, encoding, segments, status,
                                  not_before, journey_id, journey_entry_id, purpose, created_at, updated_at)
            SELECT id, key, to_phone, user_id, category, body, encoding, segments, 'pending',
                   COALESCE(not_before::timestamptz, $13), journey_id::uuid, journey_entry_id::uuid, purpose, $13, $13
            FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[], $9::text[], $10::text[],
                        $11::text[], $12::text[])
                 AS t(id, key, to_phone, user_id, category, body, encoding, segments, not_before, journey_id, journey_entry_id, purpose)
            ON CONFLICT (idempotency_key) DO NOTHING
            RETURNING idempotency_key, id
            """, reader => (Key: reader.GetString(0), Id: reader.GetGuid(1)), cancellationToken,
            messages.Select(message => message.Id).ToArray(),
            messages.Select(message => message.Message.IdempotencyKey).ToArray(),
            messages.Select(message => message.Message.To).ToArray(),
            messages.Select(message => message.Message.UserId).ToArray(),
            messages.Select(message => Consent.ConsentCategory.Of(message.Message.Category)).ToArray(),
            encoded.Select(text => text.Text).ToArray(),
            encoded.Select(text => text.Count.Encoding).ToArray(),
            encoded.Select(text => text.Count.Segments).ToArray(),
            messages.Select(message => message.Message.NotBefore?.ToUniversalTime().ToString("O")).ToArray(),
            messages.Select(message => message.Message.JourneyId?.ToString()).ToArray(),
            messages.Select(message => message.Message.JourneyEntryId?.ToString()).ToArray(),
            messages.Select(message => message.Message.Purpose).ToArray(),
            now);
        foreach (var (key, id) in created)
        {
            ids[key] = id;
        }
        if (created.Count > 0)
        {
            await connection.ExecuteAsync("""
                INSERT INTO message_events (message_id, status, at) SELECT id, 'pending', $2 FROM unnest($1::uuid[]) AS id
                ON CONFLICT (message_id, status) DO UPDATE SET at = EXCLUDED.at, detail = EXCLUDED.detail
                """, cancellationToken, created.Select(message => message.Id).ToArray(), now);
        }
        var existing = messages.Select(message => message.Message.IdempotencyKey).Where(key => !ids.ContainsKey(key)).ToArray();
        if (existing.Length > 0)
        {
            foreach (var (key, id) in await connection.ListAsync("SELECT idempotency_key, id FROM messages WHERE idempotency_key = ANY($1)",
                         reader => (reader.GetString(0), reader.GetGuid(1)), cancellationToken, [existing]))
            {
                ids[key] = id;
            }
        }
        return ids;
    }

    /// <summary>
    /// Moves a message to <paramref name="status"/> if that is forward (callbacks arrive out of order and repeat),
    /// records it in the history and queues <see cref="MessageStatusChanged"/>. Returns the row when it moved.
    /// </summary>
    public static async Task<MessageRow?> TransitionAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, string status,
        DateTimeOffset now, CancellationToken cancellationToken, string? providerSid = null, int? errorCode = null, string? errorMessage = null,
        string? skipReason = null, DateTimeOffset? notBefore = null)
    {
        var current = await ReadForUpdateAsync(connection, transaction, id, cancellationToken);
        if (current is null)
        {
            return null;
        }
        var sameDeferral = status == MessageStatus.Deferred && current.Status is MessageStatus.Pending or MessageStatus.Deferred;
        if (!sameDeferral && !MessageStatus.CanMove(current.Status, status))
        {
            if (providerSid is not null && current.ProviderSid is null)
            {
                await using var sid = new NpgsqlCommand("UPDATE messages SET provider_sid = $2 WHERE id = $1", connection, transaction);
                sid.Parameters.AddWithValue(id);
                sid.Parameters.AddWithValue(providerSid);
                await sid.ExecuteNonQueryAsync(cancellationToken);
            }
            return null;
        }

        await using (var update = new NpgsqlCommand("""
            UPDATE messages SET status = $2, provider_sid = COALESCE(provider_sid, $3), error_code = COALESCE($4, error_code),
                error_message = COALESCE($5, error_message), skip_reason = COALESCE($6, skip_reason),
                not_before = COALESCE($7, not_before), updated_at = $8,
                attempts = attempts + CASE WHEN $2 = 'sending' THEN 1 ELSE 0 END,
                sealed_body = CASE WHEN $2 IN ('pending', 'deferred', 'sending') THEN sealed_body END
            WHERE id = $1
            """, connection, transaction))
        {
            update.Parameters.AddWithValue(id);
            update.Parameters.AddWithValue(status);
            update.Parameters.AddWithValue((object?)providerSid ?? DBNull.Value);
            update.Parameters.AddWithValue((object?)errorCode ?? DBNull.Value);
            update.Parameters.AddWithValue((object?)errorMessage ?? DBNull.Value);
            update.Parameters.AddWithValue((object?)skipReason ?? DBNull.Value);
            update.Parameters.AddWithValue((object?)notBefore ?? DBNull.Value);
            update.Parameters.AddWithValue(now);
            await update.ExecuteNonQueryAsync(cancellationToken);
        }
        await AddEventAsync(connection, transaction, id, status, errorCode, skipReason ?? errorMessage, now, cancellationToken);
        await connection.AddAsync(MessagingFacts.StatusChanged(
            new MessageStatusChanged(id, providerSid ?? current.ProviderSid, status, errorCode, current.UserId, current.JourneyId, now)), now, cancellationToken);
        return current with { Status = status, ProviderSid = providerSid ?? current.ProviderSid, ErrorCode = errorCode ?? current.ErrorCode };
    }

    /// <summary>Puts a message Twilio could not take (busy) back in line, without recording a new status.</summary>
    public static async Task RescheduleAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, DateTimeOffset notBefore, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var update = new NpgsqlCommand("""
            UPDATE messages SET status = 'pending', not_before = $2, updated_at = $3 WHERE id = $1 AND status = 'sending'
            """, connection, transaction);
        update.Parameters.AddWithValue(id);
        update.Parameters.AddWithValue(notBefore);
        update.Parameters.AddWithValue(now);
        await update.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task AddEventAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, string status, int? errorCode, string? detail,
        DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            INSERT INTO message_events (message_id, status, error_code, detail, at) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (message_id, status) DO UPDATE SET at = EXCLUDED.at, detail = EXCLUDED.detail
            """, connection, transaction);
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(status);
        command.Parameters.AddWithValue((object?)errorCode ?? DBNull.Value);
        command.Parameters.AddWithValue((object?)detail ?? DBNull.Value);
        command.Parameters.AddWithValue(at);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public static async Task<MessageRow?> ReadForUpdateAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT {Columns} FROM messages WHERE id = $1 FOR UPDATE", connection, transaction);
        command.Parameters.AddWithValue(id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    public async Task<MessageRow?> FindByKeyAsync(string idempotencyKey, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM messages WHERE idempotency_key = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = idempotencyKey });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    public async Task<Guid?> FindBySidAsync(string providerSid, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT id FROM messages WHERE provider_sid = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = providerSid });
        return await command.ExecuteScalarAsync(cancellationToken) as Guid?;
    }

    public async Task<(MessageRow Message, IReadOnlyList<MessageStatusEntry> History)?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT {Columns} FROM messages WHERE id = @id;
            SELECT status, error_code, detail, at FROM message_events WHERE message_id = @id ORDER BY at, status;
            """);
        command.Parameters.AddWithValue("id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        var message = Read(reader);
        await reader.NextResultAsync(cancellationToken);
        var history = new List<MessageStatusEntry>();
        while (await reader.ReadAsync(cancellationToken))
        {
            history.Add(new MessageStatusEntry(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetInt32(1),
                reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3)));
        }
        return (message, history);
    }

    internal static MessageRow Read(NpgsqlDataReader reader) => new(
        reader.GetGuid(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
        reader.GetString(3) == Consent.ConsentCategory.Marketing ? MessageCategory.Marketing : MessageCategory.Transactional,
        reader.GetString(4), reader.GetString(5), reader.GetInt32(6), reader.GetString(7), reader.IsDBNull(8) ? null : reader.GetString(8),
        reader.GetFieldValue<DateTimeOffset>(9), reader.IsDBNull(10) ? null : reader.GetString(10), reader.IsDBNull(11) ? null : reader.GetInt32(11),
        reader.IsDBNull(12) ? null : reader.GetString(12), reader.IsDBNull(13) ? null : reader.GetGuid(13), reader.GetString(14), reader.GetInt32(15),
        reader.GetFieldValue<DateTimeOffset>(16), reader.GetFieldValue<DateTimeOffset>(17), reader.IsDBNull(18) ? null : reader.GetFieldValue<byte[]>(18));
}
