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

namespace Alle.Profiles.Resolution;

/// <summary>
/// Resolves a batch of events into profiles in one transaction: drops events already resolved (source, messageId) or
/// carrying suppressed identifiers, locks the identifiers and the profiles they match, runs identity resolution and
/// trait merging in memory, then writes profiles, identities, timeline, merge log, decisions and outbox rows in one
/// round trip. Concurrent writers (other instances) conflict on the locks or on the unique keys; a conflict rolls the
/// batch back and it is resolved again from the new state.
/// </summary>
internal sealed class ProfileResolver(
    NpgsqlDataSource dataSource, IdentifierNormalizer normalizer, ProfileCache cache, WorkSignal<OutboxRelay> outbox, ResolutionMetrics metrics, TimeProvider clock,
    ILogger<ProfileResolver> logger)
{
    private const int MaxAttempts = 8;

    public async Task<int> ResolveAsync(IReadOnlyList<TrackedEvent> events, CancellationToken cancellationToken)
    {
        var prepared = events
            .DistinctBy(e => (e.SourceId, e.MessageId))
            .Select(e => new PreparedEvent(e, EventIdentifiers.From(e, normalizer)))
            .ToList();

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var outcome = await ResolveOnceAsync(prepared, cancellationToken);
                if (outcome.TouchedProfiles.Count > 0)
                {
                    await cache.InvalidateAsync(outcome.TouchedProfiles);
                    outbox.Notify();
                }
                return outcome.Resolved;
            }
            catch (Exception exception) when (attempt < MaxAttempts
                && (exception is ConcurrentProfileChangeException || exception is PostgresException postgres && Sql.IsWriteConflict(postgres)))
            {
                metrics.Retried();
                logger.LogDebug("Batch of {Count} events met a concurrent change (attempt {Attempt}); resolving again", prepared.Count, attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 25) * attempt), cancellationToken);
            }
        }
    }

    private async Task<BatchOutcome> ResolveOnceAsync(List<PreparedEvent> prepared, CancellationToken cancellationToken)
    {
        var started = clock.GetTimestamp();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        var fresh = await WithoutResolvedEventsAsync(connection, transaction, prepared, cancellationToken);
        if (fresh.Count == 0)
        {
            await transaction.CommitAsync(cancellationToken);
            return BatchOutcome.Nothing;
        }

        var keys = fresh.SelectMany(p => p.Identifiers.LookupKeys).Distinct().ToList();
        var snapshot = await LockAndLoadAsync(connection, transaction, keys, cancellationToken);
        fresh = [.. fresh.Where(p => !p.Identifiers.LookupKeys.Any(snapshot.Suppressed.Contains))];

        var changes = Apply(fresh, snapshot);
        if (changes.Events.Count == 0)
        {
            await transaction.CommitAsync(cancellationToken);
            return BatchOutcome.Nothing;
        }

        await using (var write = new NpgsqlBatch(connection, transaction))
        {
            foreach (var command in changes.ToCommands(clock.GetUtcNow()))
            {
                write.BatchCommands.Add(command);
            }
            await write.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        metrics.Resolved(changes.Events.Count, changes.Merges.Count, changes.Decisions.Sum(d => d.Dropped.Count), clock.GetElapsedTime(started));

        if (changes.Merges.Count > 0 || changes.Skipped > 0)
        {
            logger.LogInformation("Resolved {Resolved} events ({Merges} merges, {Skipped} without identifiers)",
                changes.Events.Count, changes.Merges.Count, changes.Skipped);
        }
        return new BatchOutcome(changes.Events.Count, changes.TouchedProfiles);
    }

    private static async Task<List<PreparedEvent>> WithoutResolvedEventsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, List<PreparedEvent> prepared, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            SELECT e.source_id, e.message_id FROM events e
            JOIN unnest($1::text[], $2::text[]) AS k(source_id, message_id) USING (source_id, message_id)
            """, connection, transaction);
        command.Parameters.Add(Sql.Value(prepared.Select(p => p.Event.SourceId).ToArray()));
        command.Parameters.Add(Sql.Value(prepared.Select(p => p.Event.MessageId).ToArray()));
        var known = new HashSet<(string, string)>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                known.Add((reader.GetString(0), reader.GetString(1)));
            }
        }
        return known.Count == 0 ? prepared : [.. prepared.Where(p => !known.Contains((p.Event.SourceId, p.Event.MessageId)))];
    }

    /// <summary>
    /// Locks the batch's identifiers, then the profiles they belong to, and reads those profiles whole (rows,
    /// identities, operator blocks) with the suppressions among the identifiers.
    /// </summary>
    private static async Task<GraphSnapshot> LockAndLoadAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, List<Identifier> keys, CancellationToken cancellationToken)
    {
        var types = keys.Select(k => k.Type).ToArray();
        var values = keys.Select(k => k.Value).ToArray();
        const string Matched = "SELECT profile_id FROM identities WHERE (type, value) IN (SELECT * FROM unnest($1::text[], $2::text[]))";

        await using var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                IdentifierLocks.Lock(keys),
                Sql.Command("SELECT type, value FROM suppressions WHERE (type, value) IN (SELECT * FROM unnest($1::text[], $2::text[]))",
                    Sql.Value(types), Sql.Value(values)),
                Sql.Command($"""
                    SELECT id, created_at, updated_at, traits::text, merged_into, first_message_id, first_source_id, last_message_id, last_source_id
                    FROM profiles WHERE id IN ({Matched}) ORDER BY id FOR UPDATE
                    """, Sql.Value(types), Sql.Value(values)),
                Sql.Command($"SELECT type, value, profile_id FROM identities WHERE profile_id IN ({Matched})", Sql.Value(types), Sql.Value(values)),
                Sql.Command($"SELECT profile_a, profile_b FROM merge_blocks WHERE profile_a IN ({Matched}) OR profile_b IN ({Matched})",
                    Sql.Value(types), Sql.Value(values)),
            },
        };

        var snapshot = new GraphSnapshot();
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
        }
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            snapshot.Suppressed.Add(new Identifier(reader.GetString(0), reader.GetString(1)));
        }
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (!reader.IsDBNull(4))
            {
                // Merged away between reading its identities and locking it: resolve again from the new graph.
                throw new ConcurrentProfileChangeException();
            }
            var id = reader.GetGuid(0);
            snapshot.Profiles[id] = new ProfileState
            {
                Id = id,
                CreatedAt = reader.GetFieldValue<DateTimeOffset>(1),
                UpdatedAt = reader.GetFieldValue<DateTimeOffset>(2),
                Traits = TraitSet.FromJson(reader.GetString(3)),
                FirstMessageId = reader.GetString(5),
                FirstSourceId = reader.GetString(6),
                LastMessageId = reader.GetString(7),
                LastSourceId = reader.GetString(8),
            };
        }
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var profileId = reader.GetGuid(2);
            if (!snapshot.Profiles.ContainsKey(profileId))
            {
                // The identity moved to a profile locked by nobody here (deleted or re-pointed meanwhile).
                throw new ConcurrentProfileChangeException();
            }
            snapshot.Graph.Attach(new Identifier(reader.GetString(0), reader.GetString(1)), profileId);
        }
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            snapshot.Graph.Block(reader.GetGuid(0), reader.GetGuid(1));
        }
        foreach (var profileId in snapshot.Profiles.Keys)
        {
            snapshot.Graph.AddProfile(profileId);
        }
        return snapshot;
    }

    private BatchChanges Apply(List<PreparedEvent> fresh, GraphSnapshot snapshot)
    {
        var now = clock.GetUtcNow();
        var graph = snapshot.Graph;
        var profiles = snapshot.Profiles;
        var changes = new BatchChanges(graph, profiles);

        foreach (var (trackedEvent, identifiers) in fresh)
        {
            var eventIdentifiers = identifiers.For(graph);
            var resolution = IdentityResolver.Resolve(eventIdentifiers, graph, normalizer.Rules, Guid.CreateVersion7);
            if (resolution is null)
            {
                changes.Skipped++;
                continue;
            }

            if (resolution.IsNewProfile)
            {
                profiles[resolution.ProfileId] = ProfileState.New(resolution.ProfileId, trackedEvent, now);
            }
            var profile = profiles[resolution.ProfileId];
            var changed = new Dictionary<string, JsonElement>(StringComparer.Ordinal);

            foreach (var absorbedId in resolution.AbsorbedProfiles)
            {
                changes.Merges.Add(new MergeRecord(
                    Guid.CreateVersion7(), profile.Id, absorbedId, trackedEvent,
                    [.. resolution.MatchedBy.Where(m => m.Key == profile.Id || m.Key == absorbedId).SelectMany(m => m.Value)],
                    [.. graph.IdentitiesOf(absorbedId)]));
                foreach (var (name, value) in profile.Absorb(profiles[absorbedId]))
                {
                    changed[name] = value;
                }
                changes.Outbox.Add(new OutboxMessage(new ProfilesMerged(profile.Id, [absorbedId], trackedEvent.MessageId, now)));
            }
            graph.Apply(resolution);
            foreach (var identifier in resolution.AddedIdentifiers)
            {
                changes.NewIdentities.Add((identifier, resolution.ProfileId, trackedEvent));
            }

            if (trackedEvent.Type == "identify" && trackedEvent.Traits is { } traits)
            {
                foreach (var (name, value) in profile.Traits.Apply(traits, trackedEvent.Timestamp, trackedEvent.SourceId))
                {
                    changed[name] = value;
                }
            }
            profile.LastMessageId = trackedEvent.MessageId;
            profile.LastSourceId = trackedEvent.SourceId;
            profile.UpdatedAt = now;
            profile.Changed = true;

            if (resolution.Dropped.Count > 0)
            {
                changes.Decisions.Add((resolution.ProfileId, trackedEvent, resolution.Dropped));
            }
            if (trackedEvent.Type == "group" && !string.IsNullOrWhiteSpace(trackedEvent.GroupId))
            {
                changes.Links.Add((resolution.ProfileId, trackedEvent.GroupId, trackedEvent.SourceId));
            }
            changes.Events.Add(new ResolvedEvent(trackedEvent, resolution.ProfileId, eventIdentifiers, changed));
        }

        foreach (var resolved in changes.Events)
        {
            var profileId = graph.SurvivorOf(resolved.ProfileId);
            var userId = graph.IdentitiesOf(profileId).FirstOrDefault(i => i.Type == IdentifierTypes.UserId)?.Value;
            changes.Outbox.Add(new OutboxMessage(new ProfileUpdated(profileId, userId, resolved.ChangedTraits, resolved.Event, now)));
        }
        return changes;
    }

    private sealed record PreparedEvent(TrackedEvent Event, EventIdentifiers Identifiers);

    private sealed record BatchOutcome(int Resolved, IReadOnlyCollection<Guid> TouchedProfiles)
    {
        public static readonly BatchOutcome Nothing = new(0, []);
    }

    private sealed class GraphSnapshot
    {
        public IdentityGraph Graph { get; } = new();
        public Dictionary<Guid, ProfileState> Profiles { get; } = [];
        public HashSet<Identifier> Suppressed { get; } = [];
    }
}

/// <summary>A profile this batch read was changed by another writer before it could be locked.</summary>
internal sealed class ConcurrentProfileChangeException() : Exception("A profile changed concurrently.");
