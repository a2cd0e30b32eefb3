using System.Text.Json;
using Alle.Contracts;
using Alle.Platform.Outbox;
using Alle.Platform.Sql;
using Alle.Platform.Workers;
using Alle.Profiles.Caching;
using Alle.Profiles.Identity;
using Alle.Profiles.Outbox;
using Alle.Profiles.Traits;
using Npgsql;

namespace Alle.Profiles.Merges;

internal enum UnmergeStatus
{
    Done,
    UnknownMerge,
    AlreadyUndone,
    ProfileDeleted,
}

internal sealed record UnmergeResult(UnmergeStatus Status, Guid MergeId, Guid? SurvivorProfileId = null, Guid? RestoredProfileId = null,
    IReadOnlyList<Identifier>? MovedIdentifiers = null, long MovedEvents = 0);

/// <summary>
/// Undoes a merge: the absorbed profile exists again with the identifiers it brought and the events that first resolved
/// to it (or to profiles merged into it before), both profiles' traits are recomputed from their own identify calls,
/// and the pair is blocked so the next event carrying both identifiers does not merge them again.
/// Events that arrived after the merge stay with the survivor. If the survivor was merged on since, the profile holding
/// it now gives the identifiers back.
/// </summary>
internal sealed class Unmerger(NpgsqlDataSource dataSource, ProfileCache cache, WorkSignal<OutboxRelay> outbox, TimeProvider clock, ILogger<Unmerger> logger)
{
    public async Task<UnmergeResult> UnmergeAsync(Guid mergeId, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await UnmergeOnceAsync(mergeId, cancellationToken);
            }
            catch (PostgresException exception) when (Sql.IsWriteConflict(exception) && attempt < 5)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20 * attempt), cancellationToken);
            }
        }
    }

    private async Task<UnmergeResult> UnmergeOnceAsync(Guid mergeId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        Guid survivorId, absorbedId;
        List<Identifier> absorbedIdentifiers;
        await using (var read = new NpgsqlCommand("SELECT survivor_id, absorbed_id, absorbed_identifiers::text, unmerged_at FROM merges WHERE id = $1 FOR UPDATE", connection, transaction))
        {
            read.Parameters.Add(Sql.Value(mergeId));
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                return new UnmergeResult(UnmergeStatus.UnknownMerge, mergeId);
            }
            if (!reader.IsDBNull(3))
            {
                return new UnmergeResult(UnmergeStatus.AlreadyUndone, mergeId);
            }
            survivorId = reader.GetGuid(0);
            absorbedId = reader.GetGuid(1);
            absorbedIdentifiers = JsonSerializer.Deserialize<List<Identifier>>(reader.GetString(2), JsonSerializerOptions.Web) ?? [];
        }

        await using (var locks = new NpgsqlBatch(connection, transaction) { BatchCommands = { IdentifierLocks.Lock(absorbedIdentifiers) } })
        {
            await locks.ExecuteNonQueryAsync(cancellationToken);
        }

        var holderId = await connection.ScalarAsync<Guid?>( """
            WITH RECURSIVE chain(id, merged_into) AS (
                SELECT id, merged_into FROM profiles WHERE id = $1
                UNION ALL SELECT p.id, p.merged_into FROM profiles p JOIN chain c ON p.id = c.merged_into)
            SELECT id FROM chain WHERE merged_into IS NULL
            """, cancellationToken, Sql.Value(survivorId));
        var locked = await connection.ScalarAsync<long>( """
            SELECT count(*) FROM (SELECT id FROM profiles WHERE id = ANY($1) AND (id <> $2 OR merged_into IS NULL) ORDER BY id FOR UPDATE) AS p
            """, cancellationToken, Sql.Value(new[] { holderId ?? Guid.Empty, absorbedId }), Sql.Value(holderId ?? Guid.Empty));
        if (holderId is not { } holder || locked != 2)
        {
            return new UnmergeResult(UnmergeStatus.ProfileDeleted, mergeId);
        }

        var now = Sql.Utc(clock.GetUtcNow());
        var origins = new List<Guid>();
        await using (var command = new NpgsqlCommand("""
            WITH RECURSIVE origins(id) AS (
                SELECT $1::uuid
                UNION SELECT m.absorbed_id FROM merges m JOIN origins o ON m.survivor_id = o.id WHERE m.unmerged_at IS NULL)
            SELECT id FROM origins
            """, connection, transaction))
        {
            command.Parameters.Add(Sql.Value(absorbedId));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                origins.Add(reader.GetGuid(0));
            }
        }

        var moved = new List<Identifier>();
        await using var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                Sql.Command("""
                    UPDATE identities SET profile_id = $1 WHERE profile_id = $2 AND (type, value) IN (SELECT * FROM unnest($3::text[], $4::text[]))
                    RETURNING type, value
                    """, Sql.Value(absorbedId), Sql.Value(holder),
                    Sql.Value(absorbedIdentifiers.Select(i => i.Type).ToArray()), Sql.Value(absorbedIdentifiers.Select(i => i.Value).ToArray())),
                Sql.Command("UPDATE events SET profile_id = $1 WHERE profile_id = $2 AND origin_profile_id = ANY($3)",
                    Sql.Value(absorbedId), Sql.Value(holder), Sql.Value(origins.ToArray())),
                Sql.Command("UPDATE links SET profile_id = $1 WHERE profile_id = $2 AND origin_profile_id = ANY($3)",
                    Sql.Value(absorbedId), Sql.Value(holder), Sql.Value(origins.ToArray())),
                Sql.Command("UPDATE profiles SET merged_into = NULL, updated_at = $2 WHERE id = $1", Sql.Value(absorbedId), Sql.Value(now)),
                Sql.Command("UPDATE merges SET unmerged_at = $2 WHERE id = $1", Sql.Value(mergeId), Sql.Value(now)),
                Sql.Command("INSERT INTO merge_blocks (profile_a, profile_b, merge_id, created_at) VALUES (least($1, $2), greatest($1, $2), $3, $4) ON CONFLICT DO NOTHING",
                    Sql.Value(holder), Sql.Value(absorbedId), Sql.Value(mergeId), Sql.Value(now)),
            },
        };
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                moved.Add(new Identifier(reader.GetString(0), reader.GetString(1)));
            }
        }
        var movedEvents = batch.BatchCommands[1].RecordsAffected;

        var messages = new List<OutboxMessage> { new(new ProfilesUnmerged(mergeId, holder, absorbedId, moved, now)) };
        foreach (var profileId in new[] { holder, absorbedId })
        {
            var (traits, userId) = await RecomputeAsync(connection, transaction, profileId, now, cancellationToken);
            messages.Add(new OutboxMessage(new ProfileUpdated(profileId, userId, traits.Plain(), null, now)));
        }
        await using (var write = new NpgsqlBatch(connection, transaction) { BatchCommands = { OutboxMessage.Insert(messages, now) } })
        {
            await write.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);

        await cache.InvalidateAsync([holder, absorbedId]);
        await cache.ForgetAsync(moved);
        outbox.Notify();
        logger.LogInformation("Merge {MergeId} undone: profile {Restored} split from {Survivor} with {Identifiers} identifiers and {Events} events",
            mergeId, absorbedId, holder, moved.Count, movedEvents);
        return new UnmergeResult(UnmergeStatus.Done, mergeId, holder, absorbedId, moved, movedEvents);
    }

    /// <summary>Rebuilds a profile's traits from its own identify calls (newest timestamp wins) and writes them.</summary>
    private static async Task<(TraitSet Traits, string? UserId)> RecomputeAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid profileId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var traits = new TraitSet();
        await using (var command = new NpgsqlCommand("""
            SELECT traits::text, timestamp, source_id FROM events
            WHERE profile_id = $1 AND type = 'identify' AND traits IS NOT NULL ORDER BY timestamp, seq
            """, connection, transaction))
        {
            command.Parameters.Add(Sql.Value(profileId));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                traits.Apply(JsonSerializer.Deserialize<JsonElement>(reader.GetString(0)), reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2));
            }
        }
        await using (var update = new NpgsqlCommand("UPDATE profiles SET traits = $2::jsonb, updated_at = $3 WHERE id = $1", connection, transaction))
        {
            update.Parameters.Add(Sql.Value(profileId));
            update.Parameters.Add(Sql.Value(traits.ToJson()));
            update.Parameters.Add(Sql.Value(now));
            await update.ExecuteNonQueryAsync(cancellationToken);
        }
        var userId = await connection.ScalarAsync<string?>(
            "SELECT value FROM identities WHERE profile_id = $1 AND type = $2 ORDER BY created_at LIMIT 1", cancellationToken,
            Sql.Value(profileId), Sql.Value(IdentifierTypes.UserId));
        return (traits, userId);
    }
}
