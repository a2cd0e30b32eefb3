using System.Diagnostics;
using System.Text.Json.Nodes;
using Alle.Audiences.ComputedTraits;
using Alle.Audiences.Conditions;
using Alle.Audiences.Definitions;
using Alle.Audiences.Outbox;
using Alle.Audiences.Storage;
using Alle.Platform.Outbox;
using Alle.Platform.Sql;
using Alle.Platform.Workers;
using Npgsql;
using NpgsqlTypes;

namespace Alle.Audiences.Batch;

/// <summary>
/// Computes a new (or redefined) computed trait for every profile with the trait's event, streaming the events in
/// profile order, and writes the values set-based (binary COPY, then one upsert and one outbox insert). Afterwards the
/// audiences using the trait are recomputed. An exclusive lock on the trait keeps the real-time path's updates of it
/// waiting meanwhile.
/// </summary>
internal sealed class ComputedTraitBackfill(NpgsqlDataSource dataSource, CatalogCache catalogs, WorkSignal<OutboxRelay> outbox, TimeProvider clock,
    ILogger<ComputedTraitBackfill> logger)
{
    /// <returns>True when a trait was waiting for its backfill.</returns>
    public async Task<bool> BackfillNextAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var claimed = await connection.ListAsync("""
            SELECT id, key FROM computed_traits WHERE backfill_requested_at IS NOT NULL
            ORDER BY backfill_requested_at LIMIT 1 FOR UPDATE SKIP LOCKED
            """, reader => (Id: reader.GetGuid(0), Key: reader.GetString(1)), cancellationToken);
        if (claimed.Count == 0)
        {
            return false;
        }
        var (id, key) = claimed[0];
        var stopwatch = Stopwatch.StartNew();
        await connection.LockDefinitionAsync(id, exclusive: true, cancellationToken);
        var catalog = await catalogs.GetAsync(connection, cancellationToken);
        var now = clock.GetUtcNow();
        var changed = catalog.ComputedTraitByKey(key) is { } trait ? await BackfillAsync(connection, trait, now, cancellationToken) : 0;

        await connection.ExecuteAsync("UPDATE computed_traits SET backfill_requested_at = NULL, backfilled_at = $2 WHERE id = $1", cancellationToken, id, now);
        var dependents = catalog.Audiences.Where(audience => audience.References.ComputedTraits.Contains(key)).Select(audience => audience.Id).ToArray();
        await connection.ExecuteAsync("UPDATE audiences SET compute_requested_at = $2 WHERE id = ANY($1)", cancellationToken, dependents, now);
        await transaction.CommitAsync(cancellationToken);
        outbox.Notify();
        logger.LogInformation("Backfilled computed trait {TraitId}: {Changed} values changed in {Elapsed} ms.", id, changed, stopwatch.ElapsedMilliseconds);
        return true;
    }

    private static async Task<int> BackfillAsync(NpgsqlConnection connection, ComputedTrait trait, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var stored = new Dictionary<Guid, (JsonNode? Value, int Version)>();
        await using (var command = connection.Command("SELECT profile_id, value::text, version FROM computed_values WHERE trait_id = $1", trait.Id))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                stored[reader.GetGuid(0)] = (JsonNode.Parse(reader.GetString(1)), reader.GetInt32(2));
            }
        }

        var results = new List<(Guid ProfileId, JsonNode? Value, int Version)>();
        var seen = new HashSet<Guid>();
        void Settle(Guid profileId, List<ProfileEvent> events)
        {
            seen.Add(profileId);
            var value = ComputedTraitCalculator.Compute(trait.Definition, events, now) is { } element ? JsonNode.Parse(element.GetRawText()) : null;
            var known = stored.TryGetValue(profileId, out var row);
            var isZeroCount = trait.Definition.Kind == ComputedTraitKind.Counter && value is not null && value.GetValue<int>() == 0;
            if (known ? !JsonNode.DeepEquals(row.Value, value) : value is not null && !isZeroCount)
            {
                results.Add((profileId, value, known ? row.Version + 1 : 1));
            }
        }

        await using (var command = connection.Command("""
            SELECT profile_id, message_id, properties::text, timestamp FROM events WHERE name = $1 ORDER BY profile_id
            """, trait.Definition.Event))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            Guid? current = null;
            var events = new List<ProfileEvent>();
            while (await reader.ReadAsync(cancellationToken))
            {
                var profileId = reader.GetGuid(0);
                if (current is { } previous && previous != profileId)
                {
                    Settle(previous, events);
                    events = [];
                }
                current = profileId;
                events.Add(new ProfileEvent(reader.GetString(1), trait.Definition.Event, reader.Json(2), reader.Instant(3)));
            }
            if (current is { } last)
            {
                Settle(last, events);
            }
        }
        // Profiles that had a value but no longer have any of the events (a redefinition) settle with none.
        foreach (var profileId in stored.Keys.Where(profileId => !seen.Contains(profileId)).ToList())
        {
            Settle(profileId, []);
        }

        await connection.ExecuteAsync("CREATE TEMP TABLE trait_backfill (profile_id uuid, value jsonb, version int) ON COMMIT DROP", cancellationToken);
        await using (var importer = await connection.BeginBinaryImportAsync("COPY trait_backfill (profile_id, value, version) FROM STDIN (FORMAT BINARY)", cancellationToken))
        {
            foreach (var (profileId, value, version) in results)
            {
                await importer.StartRowAsync(cancellationToken);
                await importer.WriteAsync(profileId, NpgsqlDbType.Uuid, cancellationToken);
                await importer.WriteAsync(value?.ToJsonString() ?? "null", NpgsqlDbType.Jsonb, cancellationToken);
                await importer.WriteAsync(version, NpgsqlDbType.Integer, cancellationToken);
            }
            await importer.CompleteAsync(cancellationToken);
        }
        await connection.ExecuteAsync("""
            INSERT INTO computed_values (trait_id, profile_id, value, version, updated_at)
            SELECT $1, profile_id, value, version, $2 FROM trait_backfill
            ON CONFLICT (trait_id, profile_id) DO UPDATE SET value = EXCLUDED.value, version = EXCLUDED.version, updated_at = EXCLUDED.updated_at
            """, cancellationToken, trait.Id, now);
        await connection.ExecuteAsync("""
            INSERT INTO outbox_messages (message_id, destination, message_type, ordering_key, payload, created_at, next_attempt_at)
            SELECT m.message_id, 'tracking', 'identify', 'profile:' || b.profile_id,
                   jsonb_build_object('type', 'identify', 'messageId', m.message_id, 'userId', p.user_id,
                                      'traits', jsonb_build_object($2::text, b.value), 'context', $4::jsonb, 'timestamp', $3::timestamptz)::json, $3, $3
            FROM trait_backfill b
            JOIN profiles p ON p.profile_id = b.profile_id
            CROSS JOIN LATERAL (SELECT 'ctr-' || replace($1::text, '-', '') || '-' || replace(b.profile_id::text, '-', '') || '-' || b.version AS message_id) m
            WHERE p.user_id IS NOT NULL
            """, cancellationToken, trait.Id, trait.Key, now, Sql.Jsonb(OutboxCall.OwnContext().ToJsonString()));

        if (trait.Definition.Within is { } window)
        {
            await DueSchedule.ScheduleAllAsync(connection, trait.Definition.Event, window.Length, now, cancellationToken);
        }
        return results.Count;
    }
}
