using System.Globalization;
using Alle.Messaging.Extensions;
using Alle.Messaging.Sending;
using Alle.Platform.Workers;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Alle.Messaging.Verification;

internal abstract record StartResult
{
    public sealed record Started(Guid VerificationId, Guid MessageId) : StartResult;

    public sealed record TooManySends(TimeSpan RetryAfter) : StartResult;
}

/// <summary>
/// One-time codes by SMS, as Twilio Verify: a new code supersedes the previous one, lives ten minutes and allows five
/// checks; at most five codes per number per hour. Codes go to any number — member or not — so neither starting nor
/// checking says whether a number belongs to a member.
/// </summary>
internal sealed class VerificationService(NpgsqlDataSource dataSource, WorkSignal<MessageDispatcher> dispatch, MessageSeal seal, IOptions<MessagingOptions> options, TimeProvider clock)
{
    public async Task<StartResult> StartAsync(string phone, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockNumber = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext('verify:' || $1))", connection, transaction))
        {
            lockNumber.Parameters.AddWithValue(phone);
            await lockNumber.ExecuteNonQueryAsync(cancellationToken);
        }

        var recent = new List<DateTimeOffset>();
        await using (var count = new NpgsqlCommand("SELECT created_at FROM verifications WHERE phone = $1 AND created_at > $2 ORDER BY created_at", connection, transaction))
        {
            count.Parameters.AddWithValue(phone);
            count.Parameters.AddWithValue(now - TimeSpan.FromHours(1));
            await using var reader = await count.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                recent.Add(reader.GetFieldValue<DateTimeOffset>(0));
            }
        }
        if (recent.Count >= VerificationCode.MaxSendsPerHour)
        {
            return new StartResult.TooManySends(recent[0] + TimeSpan.FromHours(1) - now);
        }

        var id = Guid.CreateVersion7(now);
        var code = VerificationCode.Generate();
        await using (var insert = new NpgsqlCommand("""
            UPDATE verifications SET status = 'canceled' WHERE phone = @phone AND status = 'pending';
            INSERT INTO verifications (id, phone, code_hash, status, created_at, expires_at) VALUES (@id, @phone, @hash, 'pending', @now, @expires);
            """, connection, transaction))
        {
            insert.Parameters.AddWithValue("id", id);
            insert.Parameters.AddWithValue("phone", phone);
            insert.Parameters.AddWithValue("hash", VerificationCode.Hash(id, phone, code));
            insert.Parameters.AddWithValue("now", now);
            insert.Parameters.AddWithValue("expires", now + VerificationCode.Lifetime);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        var body = string.Format(CultureInfo.InvariantCulture, options.Value.CodeMessage, options.Value.ProgramName, code);
        var (messageId, _) = await MessageStore.EnqueueAsync(connection, transaction,
            new OutgoingMessage($"verify:{id:N}", phone, body, MessageCategory.Transactional, Purpose: "verification", Secret: code), now, cancellationToken, seal);
        await transaction.CommitAsync(cancellationToken);
        dispatch.Notify();
        return new StartResult.Started(id, messageId);
    }

    public async Task<VerificationCheck.Outcome> CheckAsync(string phone, string code, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        VerificationCheck.State? state = null;
        await using (var read = new NpgsqlCommand("""
            SELECT id, phone, code_hash, status, checks, expires_at FROM verifications
            WHERE phone = $1 ORDER BY created_at DESC LIMIT 1 FOR UPDATE
            """, connection, transaction))
        {
            read.Parameters.AddWithValue(phone);
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                state = new VerificationCheck.State(reader.GetGuid(0), reader.GetString(1), reader.GetFieldValue<byte[]>(2), reader.GetString(3),
                    reader.GetInt32(4), reader.GetFieldValue<DateTimeOffset>(5));
            }
        }

        var outcome = VerificationCheck.Evaluate(state, code, now);
        if (state is not null && (outcome.Checks != state.Checks || outcome.StoredStatus != state.Status))
        {
            await using var update = new NpgsqlCommand("UPDATE verifications SET checks = $2, status = $3 WHERE id = $1", connection, transaction);
            update.Parameters.AddWithValue(state.Id);
            update.Parameters.AddWithValue(outcome.Checks);
            update.Parameters.AddWithValue(outcome.StoredStatus);
            await update.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return outcome;
    }
}
