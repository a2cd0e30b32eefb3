using Alle.Audiences.Conditions;
using Alle.Audiences.Outbox;
using Alle.Contracts;
using Alle.Platform.Identifiers;
using Alle.Platform.Outbox;
using Alle.Platform.Sql;
using Alle.Platform.Workers;
using MassTransit;
using Npgsql;

namespace Alle.Audiences.Privacy;

/// <summary>
/// Deletes everything Audiences holds about a deleted person, in one transaction: her profile copy (traits), events,
/// memberships, computed values, pending calls, reverse ETL rows keyed by her identifiers, and the profile ids merged
/// into hers. Her entries and exits stay in the history without her profile id, so audience size charts do not
/// change retroactively; her current memberships end there as anonymous exits. Then reports
/// <see cref="PersonalDataDeleted"/> for the regulation. A tombstone (the profile id alone) stops a late message from
/// bringing her back.
/// </summary>
internal sealed class ProfileDeletedConsumer(NpgsqlDataSource dataSource, WorkSignal<OutboxRelay> outbox, PhoneNumberNormalizer phones, TimeProvider clock,
    ILogger<ProfileDeletedConsumer> logger)
    : IConsumer<ProfileDeleted>
{
    public const string ServiceName = "audiences";

    public async Task Consume(ConsumeContext<ProfileDeleted> context)
    {
        var message = context.Message;
        var cancellationToken = context.CancellationToken;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var now = clock.GetUtcNow();

        var profileIds = (await connection.ListAsync("SELECT profile_id FROM merged_profiles WHERE survivor_id = $1",
            reader => reader.GetGuid(0), cancellationToken, message.ProfileId)).Append(message.ProfileId).ToArray();
        // Claim her rows even before they exist: an update creating her profile right now is waited for (its insert
        // conflicts with ours), so what it writes is deleted here; one starting later finds the tombstone under the lock.
        var claimed = await connection.ExecuteAsync("""
            INSERT INTO profiles (profile_id, created_at, updated_at) SELECT id, $2, $2 FROM unnest($1::uuid[]) AS id ORDER BY id
            ON CONFLICT (profile_id) DO NOTHING
            """, cancellationToken, profileIds, now);
        await connection.ExecuteAsync("SELECT 1 FROM profiles WHERE profile_id = ANY($1) ORDER BY profile_id FOR UPDATE", cancellationToken, profileIds);

        long rows = 0;
        await connection.ExecuteAsync("""
            INSERT INTO membership_history (audience_id, profile_id, entered, at, reason)
            SELECT audience_id, NULL, false, $2, 'deleted' FROM memberships WHERE profile_id = ANY($1)
            """, cancellationToken, profileIds, now);
        rows += await connection.ExecuteAsync("DELETE FROM memberships WHERE profile_id = ANY($1)", cancellationToken, profileIds);
        rows += await connection.ExecuteAsync("UPDATE membership_history SET profile_id = NULL WHERE profile_id = ANY($1)", cancellationToken, profileIds);
        rows += await connection.ExecuteAsync("DELETE FROM events WHERE profile_id = ANY($1)", cancellationToken, profileIds);
        rows += await connection.ExecuteAsync("DELETE FROM computed_values WHERE profile_id = ANY($1)", cancellationToken, profileIds);
        rows += await connection.ExecuteAsync("DELETE FROM profile_due WHERE profile_id = ANY($1)", cancellationToken, profileIds);
        rows += await connection.ForgetAsync([.. profileIds.Select(id => AudienceOutbox.ProfileKey(id)!)], cancellationToken);
        rows += await connection.ExecuteAsync("DELETE FROM profiles WHERE profile_id = ANY($1)", cancellationToken, profileIds) - claimed;
        rows += await connection.ExecuteAsync("DELETE FROM merged_profiles WHERE survivor_id = $1", cancellationToken, message.ProfileId);

        var userIds = (message.Identifiers ?? []).Where(identifier => identifier.Type == "user_id").Select(identifier => identifier.Value).ToArray();
        rows += await connection.ExecuteAsync("DELETE FROM member_reachability WHERE user_id = ANY($1)", cancellationToken, (object)userIds);
        foreach (var identifier in message.Identifiers ?? [])
        {
            if (ProfileIdentifiers.Names.TryGetValue(identifier.Type, out var type) && ProfileIdentifiers.OfModelRow(type, identifier.Value, phones) is { } value)
            {
                rows += await connection.ExecuteAsync("""
                    DELETE FROM etl_model_rows r USING etl_models m
                    WHERE r.model_id = m.id AND m.identifier_type = $1 AND r.identifier = $2
                    """, cancellationToken, identifier.Type, value);
                // Reverse ETL identifies name her by identifier, not by profile.
                rows += await connection.ExecuteAsync("""
                    DELETE FROM outbox_messages WHERE destination = 'tracking' AND ordering_key IS NULL
                    AND CASE WHEN $2 = 'user_id' THEN payload ->> 'userId' ELSE payload -> 'traits' ->> $2 END = $1
                    """, cancellationToken, value, identifier.Type);
            }
        }

        foreach (var id in profileIds)
        {
            await connection.ExecuteAsync("""
                INSERT INTO deleted_profiles (profile_id, regulation_id, deleted_at) VALUES ($1, $2, $3) ON CONFLICT (profile_id) DO NOTHING
                """, cancellationToken, id, message.RegulationId, now);
        }
        await AudienceOutbox.PublishAsync(connection, null, new PersonalDataDeleted(message.RegulationId, message.ProfileId, ServiceName, rows, now), now, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        outbox.Notify();
        logger.LogInformation("Deleted {Rows} rows for profile {ProfileId} (regulation {RegulationId}).", rows, message.ProfileId, message.RegulationId);
    }
}
