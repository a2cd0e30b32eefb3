using System.Text.Json;
using System.Text.Json.Nodes;
using Alle.Audiences.ComputedTraits;
using Alle.Audiences.Conditions;
using Alle.Audiences.Definitions;
using Alle.Audiences.Membership;
using Alle.Audiences.Profiles;
using Alle.Platform.Outbox;
using Alle.Platform.Sql;
using Npgsql;
using NpgsqlTypes;

namespace Alle.Audiences.RealTime;

/// <summary>The batch's profiles, locked: their state, which of them this transaction created, and which were deleted meanwhile.</summary>
internal sealed record LockedProfiles(Dictionary<Guid, ProfileState> Profiles, IReadOnlySet<Guid> Deleted, IReadOnlySet<(Guid ProfileId, string MessageId)> NewEvents);

/// <summary>
/// A whole <c>ProfilesUpdated</c> batch in a few round trips, inside the caller's transaction: each step is one statement
/// (or one <see cref="NpgsqlBatch"/> of statements) for every profile of the batch.
/// </summary>
internal static class ProfileBatchStore
{
    /// <summary>
    /// The profile each id's messages apply to (its survivor after merges, at most 32 hops), or null when that profile
    /// has been deleted.
    /// </summary>
    public static async Task<Dictionary<Guid, Guid?>> ResolveAsync(NpgsqlConnection connection, IReadOnlyCollection<Guid> profileIds, CancellationToken cancellationToken)
    {
        var rows = await connection.ListAsync("""
            WITH RECURSIVE chain (start, current, hop) AS (
                SELECT id, id, 0 FROM unnest($1::uuid[]) AS id
                UNION ALL
                SELECT chain.start, merged.survivor_id, chain.hop + 1
                FROM chain JOIN merged_profiles AS merged ON merged.profile_id = chain.current
                WHERE merged.survivor_id <> chain.current AND chain.hop < 32)
            SELECT DISTINCT ON (start) start, current, EXISTS (SELECT 1 FROM deleted_profiles AS deleted WHERE deleted.profile_id = chain.current)
            FROM chain ORDER BY start, hop DESC
            """, reader => (Id: reader.GetGuid(0), Survivor: reader.GetGuid(1), Deleted: reader.GetBoolean(2)),
            cancellationToken, profileIds.Distinct().ToArray());
        return rows.ToDictionary(row => row.Id, row => row.Deleted ? (Guid?)null : row.Survivor);
    }

    /// <summary>
    /// Creates the profiles that are new and locks every one, in profile id order (two batches sharing profiles take
    /// their locks in the same order, so they cannot deadlock); reads the tombstones once the locks are held (a deletion
    /// takes the same row locks); stores the track events (one row per profile and message id, so a redelivered event is
    /// not stored twice). One round trip.
    /// </summary>
    public static async Task<LockedProfiles> LockOrCreateAsync(NpgsqlConnection connection, IReadOnlyCollection<Guid> profileIds,
        IReadOnlyList<(Guid ProfileId, ProfileEvent Event)> events, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var ids = profileIds.Distinct().Order().ToArray();
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(Sql.Command("""
            INSERT INTO profiles (profile_id, created_at, updated_at) SELECT id, $2, $2 FROM unnest($1::uuid[]) AS id ORDER BY id
            ON CONFLICT (profile_id) DO NOTHING RETURNING profile_id
            """, Sql.Value(ids), Sql.Value(now)));
        batch.BatchCommands.Add(Sql.Command("""
            SELECT profile_id, user_id, traits::text, trait_times::text FROM profiles WHERE profile_id = ANY($1) ORDER BY profile_id FOR UPDATE
            """, Sql.Value(ids)));
        batch.BatchCommands.Add(Sql.Command("SELECT profile_id FROM deleted_profiles WHERE profile_id = ANY($1)", Sql.Value(ids)));
        batch.BatchCommands.Add(Sql.Command("""
            INSERT INTO events (profile_id, message_id, name, properties, timestamp)
            SELECT profile_id, message_id, name, properties::jsonb, timestamp
            FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[]) AS added(profile_id, message_id, name, properties, timestamp)
            ON CONFLICT (profile_id, message_id) DO NOTHING RETURNING profile_id, message_id
            """,
            Sql.Value(events.Select(added => added.ProfileId).ToArray()),
            Sql.Value(events.Select(added => added.Event.MessageId).ToArray()),
            Sql.Value(events.Select(added => added.Event.Name).ToArray()),
            Sql.Value(events.Select(added => added.Event.Properties.GetRawText()).ToArray()),
            Sql.Value(events.Select(added => added.Event.Timestamp.ToUniversalTime()).ToArray())));

        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        var created = new HashSet<Guid>();
        while (await reader.ReadAsync(cancellationToken))
        {
            created.Add(reader.GetGuid(0));
        }
        await reader.NextResultAsync(cancellationToken);
        var profiles = new Dictionary<Guid, ProfileState>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var profileId = reader.GetGuid(0);
            profiles[profileId] = new ProfileState(profileId, reader.NullableString(1),
                JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(reader.GetString(2))!,
                JsonSerializer.Deserialize<Dictionary<string, DateTimeOffset>>(reader.GetString(3))!)
            {
                IsNew = created.Contains(profileId),
            };
        }
        await reader.NextResultAsync(cancellationToken);
        var deleted = new HashSet<Guid>();
        while (await reader.ReadAsync(cancellationToken))
        {
            deleted.Add(reader.GetGuid(0));
        }
        await reader.NextResultAsync(cancellationToken);
        var stored = new HashSet<(Guid, string)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            stored.Add((reader.GetGuid(0), reader.GetString(1)));
        }

        foreach (var gone in ids.Where(id => !profiles.ContainsKey(id) && !deleted.Contains(id)))
        {
            // Gone while we waited for its lock without being deleted: merged meanwhile. Retried, the batch resolves to the survivor.
            throw new InvalidOperationException($"Profile {gone} was merged while waiting for its lock.");
        }
        return new LockedProfiles(profiles, deleted, stored);
    }

    /// <summary>
    /// Takes back what this transaction wrote about profiles deleted while it waited for their locks: the deletion
    /// removed everything of theirs before it committed, so what is there now is ours.
    /// </summary>
    public static Task ForgetAsync(NpgsqlConnection connection, IReadOnlySet<Guid> deleted, CancellationToken cancellationToken) =>
        connection.ExecuteAsync("""
            WITH events_gone AS (DELETE FROM events WHERE profile_id = ANY($1))
            DELETE FROM profiles WHERE profile_id = ANY($1)
            """, cancellationToken, deleted.ToArray());

    /// <summary>
    /// Takes the shared locks of the definitions the batch may evaluate (a full computation of one holds it exclusively),
    /// then reads what evaluation needs of every profile: its events of <paramref name="eventNames"/> stored before this
    /// batch, computed values, memberships, and the model rows of <paramref name="identifiers"/>. One round trip.
    /// </summary>
    public static async Task<(Dictionary<Guid, BatchProfile> Profiles, HashSet<(Guid ModelId, string Identifier)> ModelRows)> LoadAsync(
        NpgsqlConnection connection, LockedProfiles locked, IReadOnlyCollection<Guid> definitionIds, IReadOnlyCollection<string> eventNames,
        IReadOnlyCollection<string> identifiers, IReadOnlyCollection<Guid> modelIds, CancellationToken cancellationToken)
    {
        var ids = locked.Profiles.Keys.ToArray();
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(Sql.Command("""
            SELECT count(pg_advisory_xact_lock_shared(hashtextextended(id::text, 7))) FROM (SELECT id FROM unnest($1::uuid[]) AS id ORDER BY id) AS definitions
            """, Sql.Value(definitionIds.Distinct().ToArray())));
        batch.BatchCommands.Add(Sql.Command("""
            SELECT profile_id, message_id, name, properties::text, timestamp FROM events WHERE profile_id = ANY($1) AND name = ANY($2)
            """, Sql.Value(ids), Sql.Value(eventNames.Distinct(StringComparer.Ordinal).ToArray())));
        batch.BatchCommands.Add(Sql.Command("SELECT profile_id, trait_id, value::text, version FROM computed_values WHERE profile_id = ANY($1)", Sql.Value(ids)));
        batch.BatchCommands.Add(Sql.Command("SELECT profile_id, audience_id FROM memberships WHERE profile_id = ANY($1)", Sql.Value(ids)));
        batch.BatchCommands.Add(Sql.Command("SELECT model_id, identifier FROM etl_model_rows WHERE identifier = ANY($1) AND model_id = ANY($2)",
            Sql.Value(identifiers.Distinct(StringComparer.Ordinal).ToArray()), Sql.Value(modelIds.ToArray())));

        var events = ids.ToDictionary(id => id, _ => new List<ProfileEvent>());
        var values = ids.ToDictionary(id => id, _ => new Dictionary<Guid, StoredValue>());
        var memberships = ids.ToDictionary(id => id, _ => new HashSet<Guid>());
        var modelRows = new HashSet<(Guid, string)>();
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var profileId = reader.GetGuid(0);
            var messageId = reader.GetString(1);
            // This batch's own events join her list as their updates are applied, as they would one update at a time.
            if (!locked.NewEvents.Contains((profileId, messageId)))
            {
                events[profileId].Add(new ProfileEvent(messageId, reader.GetString(2), reader.Json(3), reader.Instant(4)));
            }
        }
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            values[reader.GetGuid(0)][reader.GetGuid(1)] = new StoredValue(reader.Json(2), reader.GetInt32(3));
        }
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            memberships[reader.GetGuid(0)].Add(reader.GetGuid(1));
        }
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            modelRows.Add((reader.GetGuid(0), reader.GetString(1)));
        }

        var profiles = locked.Profiles.ToDictionary(pair => pair.Key,
            pair => new BatchProfile(pair.Value, events[pair.Key], values[pair.Key], memberships[pair.Key]));
        return (profiles, modelRows);
    }

    /// <summary>
    /// Writes what the batch decided: changed profiles, the last version of each changed computed value, memberships as
    /// they end up, one history row per entry or exit, when windowed results can next change, and the outbox rows in the
    /// order they were decided. One round trip, two when entries or exits need their history row's id.
    /// </summary>
    public static async Task WriteAsync(NpgsqlConnection connection, Catalog catalog, IReadOnlyCollection<BatchProfile> profiles,
        IReadOnlyList<BatchFact> facts, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection);
        var changed = profiles.Where(profile => profile.Changed).Select(profile => profile.State).OrderBy(state => state.ProfileId).ToList();
        if (changed.Count > 0)
        {
            batch.BatchCommands.Add(Sql.Command("""
                UPDATE profiles AS p SET user_id = saved.user_id, traits = saved.traits::jsonb, trait_times = saved.trait_times::jsonb, updated_at = $5
                FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) AS saved(profile_id, user_id, traits, trait_times)
                WHERE p.profile_id = saved.profile_id
                """,
                Sql.Value(changed.Select(state => state.ProfileId).ToArray()),
                TextArray(changed.Select(state => state.UserId)),
                TextArray(changed.Select(state => JsonSerializer.Serialize(state.Traits))),
                TextArray(changed.Select(state => JsonSerializer.Serialize(state.TraitTimes))),
                Sql.Value(now)));
        }

        var values = facts.OfType<ComputedValueDecided>().Where(value => value.Stored)
            .GroupBy(value => (value.Trait.Id, value.ProfileId)).Select(group => group.Last()).ToList();
        if (values.Count > 0)
        {
            batch.BatchCommands.Add(Sql.Command("""
                INSERT INTO computed_values (trait_id, profile_id, value, version, updated_at)
                SELECT trait_id, profile_id, value::jsonb, version, $5 FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::int[]) AS v(trait_id, profile_id, value, version)
                ON CONFLICT (trait_id, profile_id) DO UPDATE SET value = EXCLUDED.value, version = EXCLUDED.version, updated_at = EXCLUDED.updated_at
                """,
                Sql.Value(values.Select(value => value.Trait.Id).ToArray()),
                Sql.Value(values.Select(value => value.ProfileId).ToArray()),
                Sql.Value(values.Select(value => value.Value?.GetRawText() ?? "null").ToArray()),
                Sql.Value(values.Select(value => value.Version).ToArray()),
                Sql.Value(now)));
        }

        var transitions = facts.OfType<MembershipDecided>().ToList();
        if (transitions.Count > 0)
        {
            var final = transitions.GroupBy(change => (change.Audience.Id, change.ProfileId)).Select(group => group.Last()).ToList();
            var entered = final.Where(change => change.Entered).ToList();
            var exited = final.Where(change => !change.Entered).ToList();
            batch.BatchCommands.Add(Sql.Command("""
                INSERT INTO memberships (audience_id, profile_id, entered_at) SELECT audience_id, profile_id, $3 FROM unnest($1::uuid[], $2::uuid[]) AS m(audience_id, profile_id)
                ON CONFLICT (audience_id, profile_id) DO UPDATE SET entered_at = EXCLUDED.entered_at
                """, Sql.Value(entered.Select(change => change.Audience.Id).ToArray()), Sql.Value(entered.Select(change => change.ProfileId).ToArray()), Sql.Value(now)));
            batch.BatchCommands.Add(Sql.Command("""
                DELETE FROM memberships AS m USING unnest($1::uuid[], $2::uuid[]) AS gone(audience_id, profile_id)
                WHERE m.audience_id = gone.audience_id AND m.profile_id = gone.profile_id
                """, Sql.Value(exited.Select(change => change.Audience.Id).ToArray()), Sql.Value(exited.Select(change => change.ProfileId).ToArray())));
            // Rows are inserted in the batch's order, so the ids the sequence hands out ascend in that order.
            batch.BatchCommands.Add(Sql.Command("""
                INSERT INTO membership_history (audience_id, profile_id, entered, at, reason)
                SELECT audience_id, profile_id, entered, $4, reason
                FROM unnest($1::uuid[], $2::uuid[], $3::boolean[], $5::text[]) WITH ORDINALITY AS h(audience_id, profile_id, entered, reason, n)
                ORDER BY n
                RETURNING id
                """,
                Sql.Value(transitions.Select(change => change.Audience.Id).ToArray()),
                Sql.Value(transitions.Select(change => change.ProfileId).ToArray()),
                Sql.Value(transitions.Select(change => change.Entered).ToArray()),
                Sql.Value(now),
                Sql.Value(transitions.Select(change => change.Reason).ToArray())));
        }

        var rescheduled = profiles.Where(profile => profile.Reschedule).Select(profile => profile.State.ProfileId).Order().ToArray();
        if (rescheduled.Length > 0)
        {
            batch.BatchCommands.Add(Sql.Command("""
                WITH due AS (
                    SELECT p.id, (SELECT min(e.timestamp + w.span) FROM events AS e JOIN unnest($2::text[], $3::interval[]) AS w(name, span) ON e.name = w.name
                                  WHERE e.profile_id = p.id AND e.timestamp + w.span > $4) AS at
                    FROM unnest($1::uuid[]) AS p(id)),
                no_longer_due AS (DELETE FROM profile_due WHERE profile_id IN (SELECT id FROM due WHERE at IS NULL))
                INSERT INTO profile_due (profile_id, due_at) SELECT id, at FROM due WHERE at IS NOT NULL ORDER BY id
                ON CONFLICT (profile_id) DO UPDATE SET due_at = EXCLUDED.due_at
                """,
                Sql.Value(rescheduled),
                Sql.Value(catalog.Windows.Select(window => window.Event).ToArray()),
                new NpgsqlParameter { Value = catalog.Windows.Select(window => window.Window).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Interval },
                Sql.Value(now)));
        }

        var historyIds = new List<long>();
        if (transitions.Count > 0)
        {
            await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
            {
                do
                {
                    while (await reader.ReadAsync(cancellationToken))
                    {
                        historyIds.Add(reader.GetInt64(0));
                    }
                }
                while (await reader.NextResultAsync(cancellationToken));
            }
            historyIds.Sort();
            await connection.AddAsync(Announcements(facts, historyIds, now), now, cancellationToken);
            return;
        }
        // Nothing needs a history row's id: the outbox rows go in the same round trip.
        var entries = Announcements(facts, historyIds, now);
        if (entries.Count > 0)
        {
            batch.BatchCommands.Add(OutboxWriter.Insert(entries, now));
        }
        if (batch.BatchCommands.Count > 0)
        {
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>The outbox rows of the batch's facts, in order; the n-th entry or exit has the n-th history id.</summary>
    private static List<OutboxEntry> Announcements(IReadOnlyList<BatchFact> facts, IReadOnlyList<long> historyIds, DateTimeOffset now)
    {
        var entries = new List<OutboxEntry>();
        var transition = 0;
        foreach (var fact in facts)
        {
            switch (fact)
            {
                case ComputedValueDecided { UserId: { } userId } value:
                    entries.Add(ComputedValueWriter.IdentifyCall(value.Trait, value.ProfileId, userId,
                        value.Value is { } present ? JsonNode.Parse(present.GetRawText()) : null, value.Version, now));
                    break;
                case MembershipDecided change:
                    entries.AddRange(MembershipWriter.Announcements(change.Audience, change.ProfileId, change.UserId, change.Entered, now, change.Reason,
                        historyIds[transition++]));
                    break;
            }
        }
        return entries;
    }

    private static NpgsqlParameter TextArray(IEnumerable<string?> values) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text };
}
