using Alle.Contracts;
using Alle.Destinations.Delivery;
using Alle.Destinations.Intake;
using Alle.Platform.Identifiers;
using Alle.Platform.Outbox;
using Alle.Platform.Sql;
using Alle.Platform.Workers;
using MassTransit;
using Npgsql;

namespace Alle.Destinations.Privacy;

/// <summary>
/// A deletion: everything queued, dead-lettered or logged for the person's events, her stored consent and what syncs
/// told about her are deleted; her identifiers' hashes are kept a day in <c>deleted_subjects</c>, so her events still
/// in flight (received before the deletion) are not queued when they arrive; <see cref="PersonalDataDeleted"/> is
/// reported through the outbox (the same figure for a redelivered request). Under the exclusive subjects lock, so no
/// event of hers is queued while this runs.
/// </summary>
internal sealed class ProfileDeletedConsumer(NpgsqlDataSource dataSource, SubjectIdentifiers identifiers, SampleBuffer samples,
    WorkSignal<OutboxRelay> outboxSignal, TimeProvider clock, ILogger<ProfileDeletedConsumer> logger) : IConsumer<ProfileDeleted>
{
    public const string ServiceName = "destinations";

    public async Task Consume(ConsumeContext<ProfileDeleted> context)
    {
        var deletion = context.Message;
        var cancellationToken = context.CancellationToken;
        var subjects = SubjectHashes.Of(deletion.Identifiers.Select(identifiers.Normalize).OfType<Identifier>());
        var userIds = deletion.Identifiers.Where(i => i.Type == "user_id").Select(i => i.Value).ToArray();
        var now = clock.GetUtcNow();

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await DeliveryQueue.LockSubjectsExclusiveAsync(connection, cancellationToken);
        var reported = await connection.ListAsync("SELECT rows_deleted FROM privacy_deletions WHERE regulation_id = $1 AND profile_id = $2",
            reader => reader.GetInt64(0), cancellationToken, deletion.RegulationId, deletion.ProfileId);
        long deleted;
        if (reported.Count == 1)
        {
            deleted = reported[0];
        }
        else
        {
            deleted = await connection.ExecuteAsync("DELETE FROM deliveries WHERE subjects && $1", cancellationToken, (object)subjects);
            deleted += await connection.ExecuteAsync("DELETE FROM consent_preferences WHERE subject = ANY($1)", cancellationToken, (object)subjects);
            deleted += await connection.ExecuteAsync("DELETE FROM sync_members WHERE profile_id = $1 OR user_id = ANY($2)", cancellationToken,
                deletion.ProfileId, userIds);
            await connection.ExecuteAsync("""
                INSERT INTO deleted_subjects (subject, deleted_at) SELECT unnest($1::text[]), $2
                ON CONFLICT (subject) DO UPDATE SET deleted_at = GREATEST(deleted_subjects.deleted_at, EXCLUDED.deleted_at)
                """, cancellationToken, subjects, now);
            await connection.ExecuteAsync("INSERT INTO privacy_deletions (regulation_id, profile_id, rows_deleted, deleted_at) VALUES ($1, $2, $3, $4)",
                cancellationToken, deletion.RegulationId, deletion.ProfileId, deleted, now);
        }
        await connection.AddAsync(OutboxEntry.Publish(new PersonalDataDeleted(deletion.RegulationId, deletion.ProfileId, ServiceName, deleted, now),
            $"personal-data-deleted:{deletion.RegulationId}:{deletion.ProfileId:N}"), now, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        outboxSignal.Notify();
        samples.Forget(subjects.ToHashSet(StringComparer.Ordinal));
        logger.LogInformation("Regulation {RegulationId}: deleted {Rows} destination rows for profile {ProfileId}", deletion.RegulationId, deleted, deletion.ProfileId);
    }
}

/// <summary>
/// A suppression stops the person's events from reaching any destination from now on: her pending deliveries are
/// dropped (counted as suppressed) and her identifiers' hashes listed; an unsuppression lifts that. The latest change
/// per identifier wins, so a redelivered older message changes nothing.
/// </summary>
internal sealed class SubjectsSuppressedConsumer(NpgsqlDataSource dataSource, SubjectIdentifiers identifiers, SampleBuffer samples, TimeProvider clock)
    : IConsumer<SubjectsSuppressed>
{
    public async Task Consume(ConsumeContext<SubjectsSuppressed> context)
    {
        var message = context.Message;
        var cancellationToken = context.CancellationToken;
        var subjects = SubjectHashes.Of(message.Subjects.Select(identifiers.Normalize).OfType<Identifier>());
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await DeliveryQueue.LockSubjectsExclusiveAsync(connection, cancellationToken);
        await connection.ExecuteAsync("""
            INSERT INTO suppressed_subjects (subject, suppressed, changed_at) SELECT unnest($1::text[]), $2, $3
            ON CONFLICT (subject) DO UPDATE SET suppressed = EXCLUDED.suppressed, changed_at = EXCLUDED.changed_at
            WHERE suppressed_subjects.changed_at <= EXCLUDED.changed_at
            """, cancellationToken, subjects, message.Suppressed, message.At);
        if (message.Suppressed)
        {
            var now = clock.GetUtcNow();
            await connection.ExecuteAsync("""
                WITH dropped AS (
                    UPDATE deliveries SET status = 'suppressed', reason = 'suppressed', payload = NULL, finished_at = $2
                    WHERE status = 'pending' AND subjects && $1
                    RETURNING destination_id
                )
                INSERT INTO delivery_counts (destination_id, hour, suppressed) SELECT destination_id, $3, count(*) FROM dropped GROUP BY destination_id
                ON CONFLICT (destination_id, hour) DO UPDATE SET suppressed = delivery_counts.suppressed + EXCLUDED.suppressed
                """, cancellationToken, subjects, now, DeliveryQueue.Hour(now));
        }
        await transaction.CommitAsync(cancellationToken);
        if (message.Suppressed)
        {
            samples.Forget(subjects.ToHashSet(StringComparer.Ordinal));
        }
    }
}
