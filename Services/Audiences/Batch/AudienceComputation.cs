using System.Diagnostics;
using Alle.Audiences.Conditions;
using Alle.Audiences.Definitions;
using Alle.Audiences.Membership;
using Alle.Audiences.Outbox;
using Alle.Audiences.Storage;
using Alle.Platform.Outbox;
using Alle.Platform.Sql;
using Alle.Platform.Workers;
using Npgsql;

namespace Alle.Audiences.Batch;

/// <summary>
/// Computes an audience over all profiles in SQL (creation, edit, or a dependency recomputed) and reconciles the
/// memberships: entries and exits are recorded, published and tracked exactly as on the real-time path, but set-based.
/// An exclusive lock on the audience keeps real-time changes to it waiting meanwhile, so the two never interleave.
/// </summary>
internal sealed class AudienceComputation(NpgsqlDataSource dataSource, CatalogCache catalogs, WorkSignal<OutboxRelay> outbox, TimeProvider clock,
    ILogger<AudienceComputation> logger)
{
    /// <summary>
    /// Settings for queries over all profiles: generous memory, so PostgreSQL hashes each event sub-query once instead
    /// of re-scanning it per profile; no parallel workers, because each worker would build every hash again (measured
    /// slower on two cores, and a preview then leaves a core to the real-time path); no JIT, whose compilation costs
    /// more than it saves on sub-second queries.
    /// </summary>
    public const string BatchSettings = "SET LOCAL work_mem = '256MB'; SET LOCAL max_parallel_workers_per_gather = 0; SET LOCAL jit = off";

    /// <returns>True when an audience was waiting for computation.</returns>
    public async Task<bool> ComputeNextAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var claimed = await connection.ListAsync("""
            SELECT id, key FROM audiences WHERE compute_requested_at IS NOT NULL
            ORDER BY compute_requested_at LIMIT 1 FOR UPDATE SKIP LOCKED
            """, reader => (Id: reader.GetGuid(0), Key: reader.GetString(1)), cancellationToken);
        if (claimed.Count == 0)
        {
            return false;
        }
        var (id, key) = claimed[0];
        var stopwatch = Stopwatch.StartNew();
        await connection.LockDefinitionAsync(id, exclusive: true, cancellationToken);
        await connection.ExecuteAsync(BatchSettings, cancellationToken);
        var catalog = await catalogs.GetAsync(connection, cancellationToken);
        var now = clock.GetUtcNow();

        var (entered, exited) = catalog.Audience(key) is { } audience
            ? await ReconcileAsync(connection, catalog, audience, now, cancellationToken)
            : (0L, 0L);
        await connection.ExecuteAsync("UPDATE audiences SET compute_requested_at = NULL, computed_at = $2 WHERE id = $1", cancellationToken, id, now);
        if (entered + exited > 0)
        {
            var dependents = catalog.DependentsOf(key).Select(dependent => dependent.Id).ToArray();
            await connection.ExecuteAsync("UPDATE audiences SET compute_requested_at = $2 WHERE id = ANY($1)", cancellationToken, dependents, now);
        }
        await transaction.CommitAsync(cancellationToken);
        outbox.Notify();
        logger.LogInformation("Computed audience {AudienceId}: {Entered} entered, {Exited} exited in {Elapsed} ms.", id, entered, exited, stopwatch.ElapsedMilliseconds);
        return true;
    }

    private static async Task<(long Entered, long Exited)> ReconcileAsync(NpgsqlConnection connection, Catalog catalog, AudienceDefinition audience,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        var predicate = SqlPredicateCompiler.Compile(audience.Condition, catalog, now);
        await connection.ExecuteAsync("CREATE TEMP TABLE audience_matches (profile_id uuid PRIMARY KEY) ON COMMIT DROP", cancellationToken);
        await using (var match = connection.Command($"INSERT INTO audience_matches SELECT p.profile_id FROM profiles p WHERE {predicate.Sql}", [.. predicate.Parameters]))
        {
            await match.ExecuteNonQueryAsync(cancellationToken);
        }

        var context = Sql.Jsonb(OutboxCall.OwnContext().ToJsonString());
        var entered = await connection.ScalarAsync<long>(ChangesSql(entered: true), cancellationToken,
            audience.Id, now, audience.Key, audience.Name, "computed", context);
        var exited = await connection.ScalarAsync<long>(ChangesSql(entered: false), cancellationToken,
            audience.Id, now, audience.Key, audience.Name, "computed", Sql.Jsonb(OutboxCall.OwnContext().ToJsonString()));

        foreach (var (eventName, window) in audience.References.Windows)
        {
            await DueSchedule.ScheduleAllAsync(connection, eventName, window, now, cancellationToken);
        }
        return (entered, exited);
    }

    /// <summary>Ends every membership of an audience about to be deleted, with its history, bus message and track call; answers how many.</summary>
    public static async Task<long> ExitEveryoneAsync(NpgsqlConnection connection, Guid id, string key, string name, DateTimeOffset now, string reason,
        CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync("CREATE TEMP TABLE audience_matches (profile_id uuid PRIMARY KEY) ON COMMIT DROP", cancellationToken);
        return await connection.ScalarAsync<long>(ChangesSql(entered: false), cancellationToken,
            id, now, key, name, reason, Sql.Jsonb(OutboxCall.OwnContext().ToJsonString()));
    }

    /// <summary>
    /// One statement per direction: change the memberships, append the history, and queue the bus message and the
    /// track call of each change (the same payloads <see cref="MembershipWriter"/> writes). Parameters: $1 audience id,
    /// $2 now, $3 key, $4 name, $5 reason, $6 the tracking context. Answers the number of changes.
    /// </summary>
    private static string ChangesSql(bool entered)
    {
        var change = entered
            ? """
              INSERT INTO memberships (audience_id, profile_id, entered_at)
              SELECT $1, m.profile_id, $2 FROM audience_matches m
              WHERE NOT EXISTS (SELECT 1 FROM memberships x WHERE x.audience_id = $1 AND x.profile_id = m.profile_id)
              RETURNING profile_id
              """
            : """
              DELETE FROM memberships x WHERE x.audience_id = $1
              AND NOT EXISTS (SELECT 1 FROM audience_matches m WHERE m.profile_id = x.profile_id)
              RETURNING profile_id
              """;
        var direction = entered ? "in" : "out";
        var eventName = entered ? MembershipWriter.EnteredEvent : MembershipWriter.ExitedEvent;
        var flag = entered ? "true" : "false";
        return $"""
            WITH changed AS ({change}),
            history AS (
                INSERT INTO membership_history (audience_id, profile_id, entered, at, reason)
                SELECT $1, profile_id, {flag}, $2, $5 FROM changed RETURNING id, profile_id
            ),
            people AS (
                SELECT h.id, h.profile_id, p.user_id,
                       'aud-' || replace($1::text, '-', '') || '-' || replace(h.profile_id::text, '-', '') || '-{direction}-' || h.id AS message_id
                FROM history h JOIN profiles p ON p.profile_id = h.profile_id
            ),
            published AS (
                INSERT INTO outbox_messages (message_id, destination, message_type, ordering_key, payload, created_at, next_attempt_at)
                SELECT 'bus-' || message_id, 'bus', 'Alle.Contracts.AudienceMembershipChanged', 'profile:' || profile_id,
                       json_build_object('audienceId', $1::uuid, 'audienceKey', $3::text, 'profileId', profile_id, 'userId', user_id,
                                         'entered', {flag}, 'changedAt', $2::timestamptz, 'reason', $5::text), $2, $2
                FROM people
                RETURNING 1
            ),
            tracked AS (
                INSERT INTO outbox_messages (message_id, destination, message_type, ordering_key, payload, created_at, next_attempt_at)
                SELECT message_id, 'tracking', 'track', 'profile:' || profile_id,
                   jsonb_build_object('type', 'track', 'messageId', message_id, 'userId', user_id, 'event', '{eventName}',
                                      'properties', jsonb_build_object('audience_key', $3::text, 'audience_name', $4::text, 'audience_id', $1::text)
                                                    || jsonb_build_object($3::text, {flag}),
                                      'context', $6::jsonb, 'timestamp', $2::timestamptz)::json, $2, $2
                FROM people WHERE user_id IS NOT NULL
                RETURNING 1
            )
            SELECT count(*) FROM history
            """;
    }
}
