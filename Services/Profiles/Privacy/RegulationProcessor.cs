using Alle.Contracts;
using Alle.Platform.Outbox;
using Alle.Platform.Sql;
using Alle.Platform.Workers;
using Alle.Profiles.Caching;
using Alle.Profiles.Identity;
using Alle.Profiles.Outbox;
using Npgsql;

namespace Alle.Profiles.Privacy;

/// <summary>
/// Carries out regulations: claims one under a lease (so a crashed instance's work is picked up again), handles its
/// subjects in chunks of one transaction each (suppressions, deletions, outbox rows for <c>SubjectsSuppressed</c> and
/// <c>ProfileDeleted</c>), then waits for the services' <c>PersonalDataDeleted</c> reports (see <see cref="RegulationStore"/>).
/// </summary>
internal sealed class RegulationProcessor(
    NpgsqlDataSource dataSource, RegulationStore store, WorkSignal<RegulationProcessor> signal, WorkSignal<OutboxRelay> outbox, ProfileCache cache,
    TimeProvider clock, ILogger<RegulationProcessor> logger) : BackgroundService
{
    private const int ChunkSize = 100;
    private static readonly TimeSpan s_lease = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await signal.WaitAsync(TimeSpan.FromSeconds(2), stoppingToken);
                while (await ClaimAsync(stoppingToken) is { } regulationId)
                {
                    await ProcessAsync(regulationId, stoppingToken);
                }
                await store.FailOverdueAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is NpgsqlException or TimeoutException)
            {
                logger.LogWarning(exception, "Regulation processing interrupted; retrying");
                await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private async Task<string?> ClaimAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE regulations SET status = 'RUNNING', started_at = coalesce(started_at, $1), lease_until = $2
            WHERE id = (SELECT id FROM regulations
                        WHERE NOT processing_done AND status IN ('INITIALIZED', 'RUNNING') AND (lease_until IS NULL OR lease_until < $1)
                        ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING id
            """);
        var now = Sql.Utc(clock.GetUtcNow());
        command.Parameters.Add(Sql.Value(now));
        command.Parameters.Add(Sql.Value(now + s_lease));
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    private async Task ProcessAsync(string regulationId, CancellationToken cancellationToken)
    {
        try
        {
            var attempts = 0;
            while (true)
            {
                try
                {
                    if (await ProcessChunkAsync(regulationId, cancellationToken))
                    {
                        return;
                    }
                    attempts = 0;
                }
                catch (PostgresException exception) when (Sql.IsWriteConflict(exception) && ++attempts < 10)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(20 * attempts), cancellationToken);
                }
            }
        }
        catch (Exception exception) when (exception is not (OperationCanceledException or NpgsqlException { IsTransient: true } or TimeoutException))
        {
            // Transient failures go back to the loop: the lease expires and the regulation is picked up again.
            logger.LogError(exception, "Regulation {RegulationId} failed", regulationId);
            await using var fail = dataSource.CreateCommand("UPDATE regulations SET status = 'FAILED', error = $2, finished_at = $3, lease_until = NULL WHERE id = $1");
            fail.Parameters.Add(Sql.Value(regulationId));
            fail.Parameters.Add(Sql.Value($"Processing failed: {exception.GetType().Name}."));
            fail.Parameters.Add(Sql.Value(Sql.Utc(clock.GetUtcNow())));
            await fail.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>Handles the next chunk of subjects; returns true once every subject is handled.</summary>
    private async Task<bool> ProcessChunkAsync(string regulationId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        string regulationType, subjectType;
        string[] values;
        int next, count;
        await using (var read = new NpgsqlCommand("""
            SELECT regulation_type, subject_type, subject_ids[next_subject + 1 : next_subject + $2], next_subject, subject_count
            FROM regulations WHERE id = $1 AND NOT processing_done FOR UPDATE
            """, connection, transaction))
        {
            read.Parameters.Add(Sql.Value(regulationId));
            read.Parameters.Add(Sql.Value(ChunkSize));
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                return true;
            }
            (regulationType, subjectType, values, next, count) =
                (reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? [] : reader.GetFieldValue<string[]>(2), reader.GetInt32(3), reader.GetInt32(4));
        }

        var now = clock.GetUtcNow();
        var messages = new List<OutboxMessage>();
        var suppressed = new List<Identifier>();
        var lifted = new List<Identifier>();
        var touched = new List<Guid>();
        var forgotten = new List<Identifier>();
        var type = subjectType switch { "USER_ID" => IdentifierTypes.UserId, "PHONE" => IdentifierTypes.Phone, _ => IdentifierTypes.Email };
        foreach (var subject in values.Select(value => new Identifier(type, value)))
        {
            if (regulationType == RegulationTypes.Unsuppress)
            {
                lifted.AddRange(await PersonEraser.UnsuppressAsync(connection, transaction, subject, cancellationToken));
                continue;
            }

            var person = await PersonEraser.FindAndLockAsync(connection, transaction, subject, cancellationToken);
            if (RegulationTypes.Suppresses(regulationType))
            {
                await PersonEraser.SuppressAsync(connection, transaction, regulationId, subject, person.Identifiers, now, cancellationToken);
                suppressed.AddRange(person.Identifiers);
            }
            if (RegulationTypes.Deletes(regulationType))
            {
                var profileId = person.ProfileId ?? PersonEraser.SubjectKey(subject);
                var rows = person.ProfileId is { } existing ? await PersonEraser.DeleteAsync(connection, transaction, existing, cancellationToken) : 0;
                await using (var record = new NpgsqlCommand("""
                    INSERT INTO regulation_deletions (regulation_id, profile_id, identifier_count, rows_deleted, deleted_at) VALUES ($1, $2, $3, $4, $5)
                    ON CONFLICT DO NOTHING
                    """, connection, transaction))
                {
                    record.Parameters.Add(Sql.Value(regulationId));
                    record.Parameters.Add(Sql.Value(profileId));
                    record.Parameters.Add(Sql.Value(person.Identifiers.Count));
                    record.Parameters.Add(Sql.Value(rows));
                    record.Parameters.Add(Sql.Value(Sql.Utc(now)));
                    await record.ExecuteNonQueryAsync(cancellationToken);
                }
                messages.Add(new OutboxMessage(new ProfileDeleted(regulationId, profileId, person.Identifiers, now)));
                touched.AddRange(person.ProfileId is { } deleted ? [deleted] : []);
                forgotten.AddRange(person.Identifiers);
            }
        }
        if (suppressed.Count > 0)
        {
            messages.Add(new OutboxMessage(new SubjectsSuppressed(regulationId, [.. suppressed.Distinct()], true, now)));
        }
        if (lifted.Count > 0)
        {
            messages.Add(new OutboxMessage(new SubjectsSuppressed(regulationId, [.. lifted.Distinct()], false, now)));
        }

        var done = next + values.Length >= count;
        await using (var write = new NpgsqlBatch(connection, transaction))
        {
            if (messages.Count > 0)
            {
                write.BatchCommands.Add(OutboxMessage.Insert(messages, now));
            }
            // A finished regulation keeps no subject ids: a deletion request must not keep what it deleted.
            write.BatchCommands.Add(Sql.Command("""
                UPDATE regulations SET next_subject = $2, lease_until = $3, processing_done = $4,
                       subject_ids = CASE WHEN $4 THEN '{}'::text[] ELSE subject_ids END,
                       status = CASE WHEN $4 AND $5 THEN 'FINISHED' ELSE status END,
                       finished_at = CASE WHEN $4 AND $5 THEN $6 ELSE finished_at END
                WHERE id = $1
                """,
                Sql.Value(regulationId), Sql.Value(next + values.Length), Sql.Value(Sql.Utc(now + s_lease)), Sql.Value(done),
                Sql.Value(!RegulationTypes.Deletes(regulationType)), Sql.Value(Sql.Utc(now))));
            await write.ExecuteNonQueryAsync(cancellationToken);
        }
        if (done)
        {
            await store.FinishIfCompleteAsync(connection, transaction, regulationId, cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);

        await cache.InvalidateAsync(touched);
        await cache.ForgetAsync(forgotten);
        outbox.Notify();
        logger.LogInformation("Regulation {RegulationId}: {Handled}/{Count} subjects handled", regulationId, next + values.Length, count);
        return done;
    }
}
