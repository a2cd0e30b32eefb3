using Alle.Contracts;
using Alle.Messaging.Consent;
using Alle.Messaging.Outbox;
using Alle.Platform.Identifiers;
using Alle.Platform.Outbox;
using Alle.Platform.Workers;
using MassTransit;
using Npgsql;

namespace Alle.Messaging.Privacy;

/// <summary>
/// Deletes what messaging holds about a deleted person — messages and their history, consent and its audit trail,
/// one-time codes, inbound texts, journey entries, cap records — and reports <see cref="PersonalDataDeleted"/>.
/// A number that had opted out is kept only as a keyed hash in <c>suppressions</c>, so the deleted person is never
/// texted again. A redelivered request reports the same figures.
/// </summary>
internal sealed class ProfileDeletedConsumer(NpgsqlDataSource dataSource, ConsentStore consent, PhoneNumberNormalizer phoneNumbers, WorkSignal<OutboxRelay> outboxSignal,
    TimeProvider clock, ILogger<ProfileDeletedConsumer> logger) : IConsumer<ProfileDeleted>
{
    public const string ServiceName = "messaging";

    public async Task Consume(ConsumeContext<ProfileDeleted> context)
    {
        var deleted = context.Message;
        var cancellationToken = context.CancellationToken;
        var phones = deleted.Identifiers.Where(i => i.Type == "phone").Select(i => phoneNumbers.ToE164(i.Value) ?? i.Value).Distinct().ToList();
        var userIds = deleted.Identifiers.Where(i => i.Type == "user_id").Select(i => i.Value).Distinct().ToList();

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var seen = new NpgsqlCommand("SELECT rows_deleted FROM privacy_deletions WHERE regulation_id = $1 AND profile_id = $2", connection, transaction))
        {
            seen.Parameters.AddWithValue(deleted.RegulationId);
            seen.Parameters.AddWithValue(deleted.ProfileId);
            if (await seen.ExecuteScalarAsync(cancellationToken) is long previous)
            {
                var now = clock.GetUtcNow();
                await connection.AddAsync(MessagingFacts.DataDeleted(new PersonalDataDeleted(deleted.RegulationId, deleted.ProfileId, ServiceName, previous, now)),
                    now, cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                outboxSignal.Notify();
                return;
            }
        }

        // Numbers enrolled by these members count as theirs too.
        await using (var memberPhones = new NpgsqlCommand("SELECT phone FROM members WHERE member_id = ANY($1)", connection, transaction))
        {
            memberPhones.Parameters.AddWithValue(userIds.ToArray());
            await using var reader = await memberPhones.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                if (!phones.Contains(reader.GetString(0)))
                {
                    phones.Add(reader.GetString(0));
                }
            }
        }

        // Only a number that opted out of everything (STOP, or the transactional category turned off) stays suppressed:
        // declining marketing texts is no reason to withhold her sign-in codes should she join again.
        var optedOut = new List<string>();
        await using (var find = new NpgsqlCommand(
            "SELECT DISTINCT phone FROM consents WHERE phone = ANY($1) AND category = 'transactional' AND subscribed = false", connection, transaction))
        {
            find.Parameters.AddWithValue(phones.ToArray());
            await using var reader = await find.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                optedOut.Add(reader.GetString(0));
            }
        }
        foreach (var phone in optedOut)
        {
            await using var suppress = new NpgsqlCommand(
                "INSERT INTO suppressions (phone_hash, regulation_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", connection, transaction);
            suppress.Parameters.AddWithValue(consent.SuppressionHash(phone));
            suppress.Parameters.AddWithValue(deleted.RegulationId);
            suppress.Parameters.AddWithValue(clock.GetUtcNow());
            await suppress.ExecuteNonQueryAsync(cancellationToken);
        }

        long rows = 0;
        await using (var delete = new NpgsqlCommand("""
            WITH gone_messages AS (
                DELETE FROM messages WHERE to_phone = ANY($1) OR user_id = ANY($2) RETURNING id
            ), gone_entries AS (
                DELETE FROM journey_entries WHERE user_id = ANY($2) OR profile_id = $3 RETURNING 1
            ), gone_consents AS (
                DELETE FROM consents WHERE phone = ANY($1) RETURNING 1
            ), gone_audit AS (
                DELETE FROM consent_audit WHERE phone = ANY($1) RETURNING 1
            ), gone_codes AS (
                DELETE FROM verifications WHERE phone = ANY($1) RETURNING 1
            ), gone_inbound AS (
                DELETE FROM inbound_messages WHERE from_phone = ANY($1) OR user_id = ANY($2) RETURNING 1
            ), gone_members AS (
                DELETE FROM members WHERE member_id = ANY($2) OR phone = ANY($1) RETURNING 1
            ), gone_caps AS (
                DELETE FROM marketing_sends WHERE member_key = ANY($4) RETURNING 1
            ), gone_audiences AS (
                DELETE FROM audience_memberships WHERE profile_id = $3 RETURNING 1
            ), gone_links AS (
                DELETE FROM profile_links WHERE profile_id = $3 OR survivor_id = $3 OR user_id = ANY($2) RETURNING 1
            )
            SELECT (SELECT count(*) FROM gone_messages) + (SELECT count(*) FROM gone_entries) + (SELECT count(*) FROM gone_consents)
                 + (SELECT count(*) FROM gone_audit) + (SELECT count(*) FROM gone_codes) + (SELECT count(*) FROM gone_inbound)
                 + (SELECT count(*) FROM gone_members) + (SELECT count(*) FROM gone_caps) + (SELECT count(*) FROM gone_audiences)
                 + (SELECT count(*) FROM gone_links)
            """, connection, transaction))
        {
            delete.Parameters.AddWithValue(phones.ToArray());
            delete.Parameters.AddWithValue(userIds.ToArray());
            delete.Parameters.AddWithValue(deleted.ProfileId);
            delete.Parameters.AddWithValue(phones.Select(p => "phone:" + p).Concat(userIds.Select(u => "user:" + u)).ToArray());
            rows = (long)(await delete.ExecuteScalarAsync(cancellationToken))!;
        }

        // Outbox rows, waiting or kept after delivery, may carry the phone (SMS Received calls): they are the person's data too.
        await using (var outbox = new NpgsqlCommand("""
            DELETE FROM outbox_messages WHERE destination = 'tracking'
              AND (payload->>'userId' = ANY($2) OR payload->'context'->'traits'->>'phone' = ANY($1))
            """, connection, transaction))
        {
            outbox.Parameters.AddWithValue(phones.ToArray());
            outbox.Parameters.AddWithValue(userIds.ToArray());
            rows += await outbox.ExecuteNonQueryAsync(cancellationToken);
        }

        var at = clock.GetUtcNow();
        await using (var record = new NpgsqlCommand(
            "INSERT INTO privacy_deletions (regulation_id, profile_id, rows_deleted, deleted_at) VALUES ($1, $2, $3, $4)", connection, transaction))
        {
            record.Parameters.AddWithValue(deleted.RegulationId);
            record.Parameters.AddWithValue(deleted.ProfileId);
            record.Parameters.AddWithValue(rows);
            record.Parameters.AddWithValue(at);
            await record.ExecuteNonQueryAsync(cancellationToken);
        }
        await connection.AddAsync(MessagingFacts.DataDeleted(new PersonalDataDeleted(deleted.RegulationId, deleted.ProfileId, ServiceName, rows, at)), at, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        outboxSignal.Notify();
        logger.LogInformation("Regulation {RegulationId}: deleted {Rows} rows for profile {ProfileId} ({Suppressed} numbers kept as suppressed hashes)",
            deleted.RegulationId, rows, deleted.ProfileId, optedOut.Count);
    }
}
