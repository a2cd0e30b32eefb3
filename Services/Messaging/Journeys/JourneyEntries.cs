using System.Text.Json;
using Alle.Contracts;
using Alle.Platform.Sql;
using Npgsql;
using NpgsqlTypes;

namespace Alle.Messaging.Journeys;

/// <summary>
/// A person's way into a journey. <see cref="TriggerKey"/> identifies the fact that triggered it, so redelivery enters
/// once; <see cref="Reason"/> is the audience's reason for an entry (<c>merge</c> when a merge made her a member).
/// </summary>
internal sealed record EntryRequest(Guid ProfileId, string? UserId, string TriggerKey, JsonElement? TriggerProperties, string? Reason = null);

/// <summary>
/// Journey entries as the bus moves them: entering under the entry policy, leaving the trigger audience, following the
/// person through merges and unmerges, and what profile updates bring (a user id that makes her reachable, an event a
/// <c>wait_for</c> waits for, the goal). Every change here is idempotent: a redelivered message changes nothing again.
/// </summary>
internal sealed class JourneyEntries(NpgsqlDataSource dataSource, JourneyStore journeys, TimeProvider clock, ILogger<JourneyEntries> logger)
{
    /// <summary>
    /// Enters each person unless this trigger was already handled or the entry policy forbids it, checked under a lock per
    /// journey and person (her profile after merges), so two replicas never both enter her. Many people enter in one
    /// transaction, judged in the order given (a person twice in one journey within the batch is judged against the entry
    /// the first request made). Returns the number of entries made.
    /// </summary>
    public async Task<int> TryEnterManyAsync(IReadOnlyList<(Journey Journey, EntryRequest Request)> requests, CancellationToken cancellationToken)
    {
        if (requests.Count == 0)
        {
            return 0;
        }
        var now = clock.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var people = await PeopleAsync(connection, requests.Select(r => r.Request.ProfileId).Distinct().ToArray(), cancellationToken);
        var asked = requests.Select(r => (r.Journey, r.Request, Profile: people[r.Request.ProfileId].Profile,
            UserId: r.Request.UserId ?? people[r.Request.ProfileId].UserId)).ToList();
        await LockPeopleAsync(connection, [.. asked.Select(a => (a.Journey.Id, a.Profile))], cancellationToken);

        var previous = await connection.ListAsync($"""
            SELECT EXISTS (SELECT 1 FROM journey_entries e WHERE e.journey_id = r.journey_id AND e.trigger_key = r.trigger_key),
                   (SELECT max(entered_at) FROM journey_entries e
                    WHERE e.journey_id = r.journey_id AND (e.profile_id = r.profile_id OR (r.user_id IS NOT NULL AND e.user_id = r.user_id))),
                   (SELECT coalesce(bool_or(status IN {EntryStatus.LiveSql}), false) FROM journey_entries e
                    WHERE e.journey_id = r.journey_id AND (e.profile_id = r.profile_id OR (r.user_id IS NOT NULL AND e.user_id = r.user_id)))
            FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[]) WITH ORDINALITY AS r(journey_id, profile_id, user_id, trigger_key, i)
            ORDER BY r.i
            """, reader => new PreviousEntries(reader.GetBoolean(0), reader.NullableInstant(1), reader.GetBoolean(2)), cancellationToken,
            asked.Select(a => a.Journey.Id).ToArray(), asked.Select(a => a.Profile).ToArray(), asked.Select(a => a.UserId).ToArray(),
            asked.Select(a => a.Request.TriggerKey).ToArray());

        var made = EntryAdmission.Admit(asked.Select((a, i) => new EntryCandidate(a.Journey.Id, a.Journey.Definition.Policy, a.Request.TriggerKey,
            a.Profile, a.UserId, a.Request.Reason, previous[i])).ToList(), now).Select(i => asked[i]).ToList();
        var entered = made.Count == 0 ? 0 : await connection.ExecuteAsync("""
                INSERT INTO journey_entries (id, journey_id, journey_version, member_key, profile_id, origin_profile_id, user_id, trigger_key,
                                             trigger_properties, status, entered_at, due_at, step_id, step_at, updated_at)
                SELECT id, journey_id, version, COALESCE(user_id, profile_id::text), profile_id, profile_id, user_id, trigger_key,
                       properties::jsonb, 'waiting', $9, $9, step_id, $9, $9
                FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::text[])
                     AS t(id, journey_id, version, profile_id, user_id, trigger_key, properties, step_id)
                ON CONFLICT (journey_id, trigger_key) DO NOTHING
                """, cancellationToken, made.Select(_ => Guid.CreateVersion7(now)).ToArray(), made.Select(m => m.Journey.Id).ToArray(),
                made.Select(m => m.Journey.Version).ToArray(), made.Select(m => m.Profile).ToArray(), made.Select(m => m.UserId).ToArray(),
                made.Select(m => m.Request.TriggerKey).ToArray(),
                made.Select(m => m.Request.TriggerProperties is { } properties ? properties.GetRawText() : "null").ToArray(),
                made.Select(m => m.Journey.Definition.Steps[0].Id).ToArray(), now);
        await transaction.CommitAsync(cancellationToken);
        return entered;
    }

    /// <summary>
    /// The lock on a person's entries in a journey (her profile after merges), held to the end of the transaction. Taken in
    /// one order, so two transactions over the same people wait for each other instead of deadlocking.
    /// </summary>
    private static Task LockPeopleAsync(NpgsqlConnection connection, IReadOnlyList<(Guid JourneyId, Guid ProfileId)> people, CancellationToken cancellationToken) =>
        people.Count == 0
            ? Task.CompletedTask
            : connection.ExecuteAsync("""
                SELECT pg_advisory_xact_lock(k) FROM (SELECT DISTINCT hashtext(j || '|' || p) AS k FROM unnest($1::text[], $2::text[]) AS t(j, p) ORDER BY k) AS locks
                """, cancellationToken, people.Select(person => person.JourneyId.ToString()).ToArray(), people.Select(person => person.ProfileId.ToString()).ToArray());

    /// <summary>Each profile's person now: its survivor after merges, and the user id known for that survivor.</summary>
    private static async Task<Dictionary<Guid, (Guid Profile, string? UserId)>> PeopleAsync(NpgsqlConnection connection, Guid[] profileIds,
        CancellationToken cancellationToken)
    {
        var rows = await connection.ListAsync("""
            WITH RECURSIVE chain (start, id, depth) AS (
                SELECT p, p, 0 FROM unnest($1::uuid[]) AS p
                UNION ALL
                SELECT c.start, l.survivor_id, c.depth + 1 FROM chain c JOIN profile_links l ON l.profile_id = c.id WHERE l.survivor_id IS NOT NULL AND c.depth < 32
            ),
            canonical AS (SELECT DISTINCT ON (start) start, id FROM chain ORDER BY start, depth DESC)
            SELECT c.start, c.id, l.user_id FROM canonical c LEFT JOIN profile_links l ON l.profile_id = c.id
            """, reader => (Start: reader.GetGuid(0), Profile: reader.GetGuid(1), UserId: reader.NullableString(2)), cancellationToken, [profileIds]);
        return rows.ToDictionary(row => row.Start, row => (row.Profile, row.UserId));
    }

    /// <summary>Exits the entries still inside journeys triggered by an audience the person left.</summary>
    public async Task<int> ExitAudienceAsync(string audienceKey, Guid profileId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var canonical = await CanonicalAsync(connection, profileId, cancellationToken);
        return await connection.ExecuteAsync($"""
            UPDATE journey_entries e SET status = 'exited', skip_reason = 'left_audience', finished_at = $3, updated_at = $3
            FROM journey_versions v
            WHERE v.journey_id = e.journey_id AND v.version = e.journey_version AND e.status IN {EntryStatus.LiveSql} AND e.profile_id = $2
              AND v.definition->'trigger'->>'type' = 'audience' AND v.definition->'trigger'->>'audienceKey' = $1
            """, cancellationToken, audienceKey, canonical, now);
    }

    /// <summary>
    /// Records the latest membership, ignoring a change older than what we know (events arrive out of order). Answers
    /// whether it is news: newer than what we know and not what we knew already — a survivor that became a member when
    /// a merge brought her merged profile's membership (and its journey entries) here has not entered again.
    /// </summary>
    public async Task<bool> RecordMembershipAsync(string audienceKey, Guid profileId, bool isMember, DateTimeOffset changedAt, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var recorded = await connection.ListAsync("""
            WITH previous AS (SELECT is_member FROM audience_memberships WHERE audience_key = $1 AND profile_id = $2 FOR UPDATE)
            INSERT INTO audience_memberships (audience_key, profile_id, is_member, changed_at) VALUES ($1, $2, $3, $4)
            ON CONFLICT (audience_key, profile_id) DO UPDATE SET is_member = EXCLUDED.is_member, changed_at = EXCLUDED.changed_at
                WHERE audience_memberships.changed_at <= EXCLUDED.changed_at
            RETURNING (SELECT is_member FROM previous)
            """, reader => reader.IsDBNull(0) ? (bool?)null : reader.GetBoolean(0), cancellationToken, audienceKey, profileId, isMember, changedAt);
        return recorded.Count == 1 && recorded[0] != isMember;
    }

    /// <summary>
    /// The merged profiles' entries, waits and memberships move to the survivor. Where that leaves the person twice in
    /// one journey (she also entered as the survivor before this merge was known here), the entry that got further stays
    /// (the older one when neither did) and the other ends as <c>merged</c>: one person, one text per step.
    /// </summary>
    public async Task<int> MergeAsync(ProfilesMerged merge, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var merged = merge.MergedProfileIds.Where(id => id != merge.SurvivorProfileId).Distinct().ToArray();
        if (merged.Length == 0)
        {
            return 0;
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // The survivor's entry lock in every journey the merged profiles are in, as TryEnterManyAsync takes it: an entry
        // for the survivor made meanwhile (her "entered" arriving as this merge commits) is either committed before the
        // duplicates are looked for below, or judged after this commit, against the entries moved to her.
        var journeyIds = await connection.ListAsync("SELECT DISTINCT journey_id FROM journey_entries WHERE profile_id = ANY($1)",
            reader => reader.GetGuid(0), cancellationToken, merged);
        await LockPeopleAsync(connection, [.. journeyIds.Select(journeyId => (journeyId, merge.SurvivorProfileId))], cancellationToken);
        await connection.ExecuteAsync("""
            INSERT INTO profile_links (profile_id, survivor_id, updated_at) SELECT id, $2, $3 FROM unnest($1::uuid[]) AS id ORDER BY id
            ON CONFLICT (profile_id) DO UPDATE SET survivor_id = EXCLUDED.survivor_id, updated_at = EXCLUDED.updated_at
            """, cancellationToken, merged, merge.SurvivorProfileId, now);
        await connection.ExecuteAsync("UPDATE profile_links SET survivor_id = $2 WHERE survivor_id = ANY($1)", cancellationToken, merged, merge.SurvivorProfileId);

        var entries = await connection.ListAsync("""
            SELECT e.id, e.journey_id, e.profile_id <> $2, e.status, e.entered_at,
                   (SELECT count(*) FROM journey_step_log l WHERE l.entry_id = e.id AND l.completed_at IS NOT NULL)
            FROM journey_entries e WHERE e.profile_id = ANY($1) OR e.profile_id = $2 ORDER BY e.id FOR UPDATE
            """, reader => new PersonEntry(reader.GetGuid(0), reader.GetGuid(1), reader.GetBoolean(2), reader.GetString(3), reader.Instant(4), reader.GetInt64(5)),
            cancellationToken, merged, merge.SurvivorProfileId);
        var moved = await connection.ExecuteAsync("""
            UPDATE journey_entries SET profile_id = $2,
                user_id = COALESCE(user_id, (SELECT user_id FROM profile_links WHERE profile_id = $2)),
                due_at = CASE WHEN status = 'waiting_contact' THEN $3 ELSE due_at END, updated_at = $3
            WHERE profile_id = ANY($1)
            """, cancellationToken, merged, merge.SurvivorProfileId, now);
        await connection.ExecuteAsync("""
            INSERT INTO audience_memberships (audience_key, profile_id, is_member, changed_at)
            SELECT audience_key, $2, true, changed_at FROM audience_memberships WHERE profile_id = ANY($1) AND is_member
            ON CONFLICT (audience_key, profile_id) DO UPDATE SET is_member = true, changed_at = EXCLUDED.changed_at
                WHERE NOT audience_memberships.is_member AND audience_memberships.changed_at <= EXCLUDED.changed_at
            """, cancellationToken, merged, merge.SurvivorProfileId);

        var duplicates = MergeDuplicates.Find(entries);
        if (duplicates.Count > 0)
        {
            await connection.ExecuteAsync("""
                UPDATE journey_entries e SET status = 'exited', skip_reason = 'merged', merged_into = d.kept, finished_at = $3, updated_at = $3
                FROM unnest($1::uuid[], $2::uuid[]) AS d(ended, kept) WHERE e.id = d.ended
                """, cancellationToken, duplicates.Select(d => d.Ended).ToArray(), duplicates.Select(d => d.Kept).ToArray(), now);
        }
        await transaction.CommitAsync(cancellationToken);
        if (moved > 0)
        {
            logger.LogInformation("Profiles {Merged} merged into {Survivor}: {Moved} journey entries moved, {Duplicates} duplicates ended",
                merged.Length, merge.SurvivorProfileId, moved, duplicates.Count);
        }
        return moved;
    }

    /// <summary>
    /// An unmerge gives the restored profile back the entries it brought to the merge (by their origin), with the user id
    /// the unmerge moved back to it — or none, when the survivor's user id was all they had. An entry the merge had ended
    /// as a duplicate of the other person's resumes where it stopped: they are two people again, each with her own
    /// episode (its texts keep their keys, so a step it had already texted is never texted again).
    /// </summary>
    public async Task<int> UnmergeAsync(ProfilesUnmerged unmerge, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var restoredUserId = unmerge.MovedIdentifiers.FirstOrDefault(identifier => identifier.Type == "user_id")?.Value;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync("""
            INSERT INTO profile_links (profile_id, user_id, survivor_id, updated_at) VALUES ($1, $2, NULL, $3)
            ON CONFLICT (profile_id) DO UPDATE SET survivor_id = NULL, user_id = EXCLUDED.user_id, updated_at = EXCLUDED.updated_at
            """, cancellationToken, unmerge.RestoredProfileId, Sql.Text(restoredUserId), now);
        var moved = await connection.ExecuteAsync("""
            UPDATE journey_entries SET profile_id = $2,
                user_id = CASE WHEN $3::text IS NOT NULL THEN $3
                               WHEN user_id = (SELECT user_id FROM profile_links WHERE profile_id = $1) THEN NULL ELSE user_id END,
                member_key = COALESCE($3, $2::text),
                due_at = CASE WHEN status = 'waiting_contact' THEN $4 ELSE due_at END, updated_at = $4
            WHERE profile_id = $1 AND origin_profile_id = $2
            """, cancellationToken, unmerge.SurvivorProfileId, unmerge.RestoredProfileId, Sql.Text(restoredUserId), now);
        var resumed = await connection.ExecuteAsync("""
            UPDATE journey_entries e SET status = 'waiting', skip_reason = NULL, merged_into = NULL, finished_at = NULL, due_at = $3, updated_at = $3
            FROM journey_entries kept
            WHERE kept.id = e.merged_into AND e.status = 'exited' AND e.skip_reason = 'merged'
              AND e.profile_id IN ($1, $2) AND kept.profile_id IN ($1, $2) AND e.profile_id <> kept.profile_id
            """, cancellationToken, unmerge.SurvivorProfileId, unmerge.RestoredProfileId, now);
        await transaction.CommitAsync(cancellationToken);
        if (moved + resumed > 0)
        {
            logger.LogInformation("Merge {MergeId} undone: {Moved} journey entries moved back to {Restored}, {Resumed} ended as duplicates resumed",
                unmerge.MergeId, moved, unmerge.RestoredProfileId, resumed);
        }
        return moved + resumed;
    }

    /// <summary>
    /// What a batch of profile updates means for journeys: user ids learned (kept in <c>profile_links</c>), entries
    /// waiting for contact woken when their person gains one, <c>wait_for</c> steps whose event arrived, and goals met.
    /// True when an entry became due.
    /// </summary>
    public async Task<bool> ApplyProfileUpdatesAsync(IReadOnlyList<ProfileUpdated> updates, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var known = updates.Where(update => update.UserId is not null).DistinctBy(update => update.ProfileId).ToList();
        var tracked = updates.Where(update => update.Trigger is { Type: "track", Event.Length: > 0 }).ToList();
        if (known.Count == 0 && tracked.Count == 0)
        {
            return false;
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var woken = 0;
        if (known.Count > 0)
        {
            var profileIds = known.Select(update => update.ProfileId).ToArray();
            var userIds = known.Select(update => update.UserId!).ToArray();
            // Rows are locked in key order, links and then entries: batches consumed side by side that name the same
            // people wait for one another instead of deadlocking (1,000 people entering a journey at once deadlocked
            // hundreds of times a minute when the order was the batch's).
            await connection.ExecuteAsync("""
                INSERT INTO profile_links (profile_id, user_id, updated_at) SELECT p, u, $3 FROM unnest($1::uuid[], $2::text[]) AS t(p, u) ORDER BY p
                ON CONFLICT (profile_id) DO UPDATE SET user_id = EXCLUDED.user_id, updated_at = EXCLUDED.updated_at
                    WHERE profile_links.user_id IS DISTINCT FROM EXCLUDED.user_id
                """, cancellationToken, profileIds, userIds, now);
            woken += await connection.ExecuteAsync("""
                WITH t AS (SELECT * FROM unnest($1::uuid[], $2::text[]) AS t(p, u)),
                hit AS (
                    SELECT e.id, t.u FROM journey_entries e JOIN t ON e.profile_id = t.p WHERE e.status = 'waiting_contact'
                    UNION
                    SELECT e.id, t.u FROM journey_entries e JOIN t ON e.user_id = t.u WHERE e.status = 'waiting_contact'
                ),
                locked AS (SELECT e.id FROM journey_entries e WHERE e.id IN (SELECT id FROM hit) ORDER BY e.id FOR UPDATE)
                UPDATE journey_entries e SET user_id = COALESCE(e.user_id, hit.u), member_key = COALESCE(e.user_id, hit.u), due_at = $3, updated_at = $3
                FROM hit JOIN locked ON locked.id = hit.id WHERE e.id = hit.id AND e.status = 'waiting_contact'
                """, cancellationToken, profileIds, userIds, now);
        }
        if (tracked.Count > 0)
        {
            woken += await ResumeWaitsForEventsAsync(connection, tracked, now, cancellationToken);
            await ConvertGoalsAsync(connection, tracked, now, cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return woken > 0;
    }

    private async Task<int> ResumeWaitsForEventsAsync(NpgsqlConnection connection, IReadOnlyList<ProfileUpdated> tracked, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var candidates = await connection.ListAsync("""
            WITH t AS (SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::timestamptz[]) WITH ORDINALITY AS t(name, p, u, at, i)),
            hit AS (
                SELECT e.id, t.i FROM journey_entries e JOIN t ON e.wait_event = t.name AND e.profile_id = t.p
                WHERE e.status = 'waiting_event' AND e.step_at <= t.at
                UNION
                SELECT e.id, t.i FROM journey_entries e JOIN t ON e.wait_event = t.name AND e.user_id = t.u
                WHERE e.status = 'waiting_event' AND e.step_at <= t.at
                UNION
                -- At a wait_for step the runner has not parked yet (just entered, or due): the event must not slip past it.
                SELECT e.id, t.i FROM journey_entries e JOIN t ON e.profile_id = t.p OR e.user_id = t.u
                WHERE e.status = 'waiting' AND e.step_id IS NOT NULL AND e.waited_event IS NULL AND e.step_at <= t.at
            )
            SELECT e.id, e.journey_id, e.journey_version, e.step_id, hit.i FROM hit JOIN journey_entries e ON e.id = hit.id
            ORDER BY e.id, hit.i FOR UPDATE OF e
            """, reader => (Entry: reader.GetGuid(0), Journey: reader.GetGuid(1), Version: reader.GetInt32(2), Step: reader.NullableString(3), Index: (int)reader.GetInt64(4) - 1),
            cancellationToken, tracked.Select(update => update.Trigger!.Event!).ToArray(), tracked.Select(update => update.ProfileId).ToArray(),
            tracked.Select(update => update.UserId).ToArray(), Instants(tracked.Select(update => update.Trigger!.ReceivedAt)));
        var resumed = new HashSet<Guid>();
        foreach (var candidate in candidates)
        {
            var trigger = tracked[candidate.Index].Trigger!;
            if (resumed.Contains(candidate.Entry)
                || await journeys.VersionAsync(connection, candidate.Journey, candidate.Version, cancellationToken) is not { } definition
                || new JourneyGraph(definition.Steps).Find(candidate.Step) is not { Type: JourneyStep.WaitFor } step
                || !string.Equals(step.Event, trigger.Event, StringComparison.Ordinal)
                || !PropertyFilter.All(step.Filters, trigger.Properties))
            {
                continue;
            }
            var waited = JsonSerializer.Serialize(new { @event = trigger.Event, messageId = trigger.MessageId, at = trigger.Timestamp, step = step.Id });
            await connection.ExecuteAsync("""
                UPDATE journey_entries SET status = 'waiting', waited_event = $2, due_at = $3, updated_at = $3
                WHERE id = $1 AND status IN ('waiting', 'waiting_event') AND step_id = $4
                """, cancellationToken, candidate.Entry, Sql.Jsonb(waited), now, step.Id);
            resumed.Add(candidate.Entry);
        }
        return resumed.Count;
    }

    private async Task ConvertGoalsAsync(NpgsqlConnection connection, IReadOnlyList<ProfileUpdated> tracked, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var goals = await journeys.GoalsForEventsAsync(connection, tracked.Select(update => update.Trigger!.Event!).Distinct(StringComparer.Ordinal).ToList(), cancellationToken);
        if (goals.Count == 0)
        {
            return;
        }
        var candidates = await connection.ListAsync("""
            WITH t AS (SELECT * FROM unnest($1::uuid[], $2::text[]) WITH ORDINALITY AS t(p, u, i)),
            goals AS (SELECT * FROM unnest($3::uuid[], $4::int[]) AS g(journey_id, version)),
            hit AS (
                SELECT e.id, t.i FROM journey_entries e JOIN t ON e.profile_id = t.p WHERE e.converted_at IS NULL
                UNION
                SELECT e.id, t.i FROM journey_entries e JOIN t ON e.user_id = t.u WHERE e.converted_at IS NULL
            )
            SELECT e.id, e.journey_id, e.journey_version, e.entered_at, hit.i FROM hit JOIN journey_entries e ON e.id = hit.id
            JOIN goals g ON g.journey_id = e.journey_id AND g.version = e.journey_version
            ORDER BY e.id, hit.i FOR UPDATE OF e
            """, reader => (Entry: reader.GetGuid(0), Journey: reader.GetGuid(1), Version: reader.GetInt32(2), EnteredAt: reader.Instant(3), Index: (int)reader.GetInt64(4) - 1),
            cancellationToken, tracked.Select(update => update.ProfileId).ToArray(), tracked.Select(update => update.UserId).ToArray(),
            goals.Select(goal => goal.JourneyId).ToArray(), goals.Select(goal => goal.Version).ToArray());
        var converted = new HashSet<Guid>();
        foreach (var candidate in candidates.OrderBy(candidate => candidate.Index))
        {
            var trigger = tracked[candidate.Index].Trigger!;
            var goal = goals.First(goal => goal.JourneyId == candidate.Journey && goal.Version == candidate.Version).Goal;
            if (converted.Contains(candidate.Entry) || !goal.IsMetBy(candidate.EnteredAt, trigger.Event, trigger.Properties, trigger.Timestamp))
            {
                continue;
            }
            var evidence = JsonSerializer.Serialize(new { @event = trigger.Event, messageId = trigger.MessageId, at = trigger.Timestamp, properties = trigger.Properties });
            await connection.ExecuteAsync("UPDATE journey_entries SET converted_at = $2, goal_event = $3, updated_at = $4 WHERE id = $1 AND converted_at IS NULL",
                cancellationToken, candidate.Entry, trigger.Timestamp, Sql.Jsonb(evidence), now);
            converted.Add(candidate.Entry);
        }
    }

    /// <summary>The profile a message about <paramref name="profileId"/> applies to now: its survivor after merges.</summary>
    public static async Task<Guid> CanonicalAsync(NpgsqlConnection connection, Guid profileId, CancellationToken cancellationToken) =>
        await connection.ScalarAsync<Guid?>("""
            WITH RECURSIVE chain (id, depth) AS (
                SELECT $1::uuid, 0
                UNION ALL
                SELECT l.survivor_id, c.depth + 1 FROM chain c JOIN profile_links l ON l.profile_id = c.id WHERE l.survivor_id IS NOT NULL AND c.depth < 32
            )
            SELECT id FROM chain ORDER BY depth DESC LIMIT 1
            """, cancellationToken, profileId) ?? profileId;

    private static NpgsqlParameter Instants(IEnumerable<DateTimeOffset> instants) =>
        new() { Value = instants.Select(instant => instant.ToUniversalTime()).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz };
}

/// <summary>What the journey already holds of a person asking to enter: this trigger handled, her latest entry, an entry still inside.</summary>
internal sealed record PreviousEntries(bool Handled, DateTimeOffset? Last, bool Live);

/// <summary>One request to enter a journey, with the person it is (her profile after merges, her user id) and her previous entries.</summary>
internal sealed record EntryCandidate(Guid JourneyId, EntryPolicy Policy, string TriggerKey, Guid Profile, string? UserId, string? Reason, PreviousEntries Previous);

/// <summary>Which requests of a batch make an entry, judged in order, each against the entries the requests before it made.</summary>
internal static class EntryAdmission
{
    /// <summary>The indexes of the candidates that enter.</summary>
    public static IReadOnlyList<int> Admit(IReadOnlyList<EntryCandidate> candidates, DateTimeOffset now)
    {
        var admitted = new List<int>();
        for (var i = 0; i < candidates.Count; i++)
        {
            var candidate = candidates[i];
            var earlier = admitted.Select(j => candidates[j]).Where(made => made.JourneyId == candidate.JourneyId).ToList();
            var samePerson = earlier.Any(made => made.Profile == candidate.Profile || (candidate.UserId is not null && made.UserId == candidate.UserId));
            var handled = candidate.Previous.Handled || earlier.Any(made => made.TriggerKey == candidate.TriggerKey);
            var last = samePerson ? now : candidate.Previous.Last;
            var live = samePerson || candidate.Previous.Live;
            // A merge that made her a member again is the same person already inside (her entry moved with her), not a new entry.
            if (!handled && candidate.Policy.Allows(last, now) && !(candidate.Reason == "merge" && live))
            {
                admitted.Add(i);
            }
        }
        return admitted;
    }
}

/// <summary>An entry of a person being merged: whether it moved from a merged profile, and how far it got (steps completed).</summary>
internal sealed record PersonEntry(Guid Id, Guid JourneyId, bool Moved, string Status, DateTimeOffset EnteredAt, long Progress);

/// <summary>An entry a merge ends as a duplicate, and the one kept instead (which an unmerge may part it from again).</summary>
internal sealed record MergedEntry(Guid Ended, Guid Kept);

/// <summary>Which entries a merge leaves as duplicates of one person in one journey.</summary>
internal static class MergeDuplicates
{
    /// <summary>
    /// For each journey: an entry moved from a merged profile and one the survivor had already — still inside, or entered
    /// since the moved one — are the same person's one episode. The one that got further stays (the older one when
    /// neither did); the others still inside end.
    /// </summary>
    public static IReadOnlyList<MergedEntry> Find(IReadOnlyList<PersonEntry> entries)
    {
        var ended = new List<MergedEntry>();
        foreach (var journey in entries.GroupBy(entry => entry.JourneyId))
        {
            var own = journey.Where(entry => !entry.Moved).ToList();
            foreach (var moved in journey.Where(entry => entry.Moved && IsLive(entry) && !IsEnded(entry.Id)))
            {
                var group = own.Where(entry => !IsEnded(entry.Id) && (IsLive(entry) || entry.EnteredAt >= moved.EnteredAt)).Append(moved).ToList();
                if (group.Count < 2)
                {
                    continue;
                }
                var keep = group.OrderByDescending(entry => entry.Progress).ThenBy(entry => entry.EnteredAt).ThenBy(entry => entry.Id).First();
                ended.AddRange(group.Where(entry => entry.Id != keep.Id && IsLive(entry)).Select(entry => new MergedEntry(entry.Id, keep.Id)));
            }
        }
        return ended;

        bool IsEnded(Guid id) => ended.Any(entry => entry.Ended == id);
    }

    private static bool IsLive(PersonEntry entry) => EntryStatus.Live.Contains(entry.Status);
}
