using System.Text.Json;
using Alle.Platform.Sql;
using Npgsql;

namespace Alle.Messaging.Journeys;

/// <summary>
/// A journey's counts. Entries: entered, waiting (entries inside and texts not yet settled), waiting for contact,
/// completed, exited, converted; texts: sent, delivered, failed; skipped by reason (entries and texts). Then the same per
/// step, per path, and each random split's arms against its holdout.
/// </summary>
internal sealed record JourneyCounts(long Entered, long Waiting, long WaitingForContact, long Sent, long Delivered, long Failed, long Completed,
    long Exited, long Converted, IReadOnlyDictionary<string, long> Skipped, IReadOnlyList<StepCounts> Steps, IReadOnlyList<PathCounts> Paths,
    IReadOnlyList<SplitLift> Lift);

internal sealed record StepCounts(string StepId, string Type, long Entered, long Waiting, long WaitingForContact, long Sent, long Delivered, long Failed,
    IReadOnlyDictionary<string, long> Skipped, long Exited, long Converted, IReadOnlyDictionary<string, long> Outcomes);

internal sealed record PathCounts(string Path, long Entered, long Converted, double ConversionRate);

/// <summary>One journey entry with every step it took and why: the explanation of her path.</summary>
internal sealed record EntryExplanation(Guid Id, int Version, Guid? ProfileId, string? UserId, string Status, string? Reason, string? Path,
    DateTimeOffset EnteredAt, DateTimeOffset? FinishedAt, string? CurrentStep, DateTimeOffset? DueAt, DateTimeOffset? ConvertedAt, JsonElement? Goal,
    IReadOnlyList<StepVisit> Steps);

internal sealed record StepVisit(string StepId, string Type, DateTimeOffset ArrivedAt, DateTimeOffset? CompletedAt, string? Outcome, string? Reason,
    JsonElement? Detail, Guid? MessageId, string? MessageStatus, string? MessageSkipReason);

internal sealed class JourneyReports(NpgsqlDataSource dataSource)
{
    public async Task<JourneyCounts> CountAsync(Guid journeyId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var entries = (await connection.ListAsync($"""
            SELECT count(*), count(*) FILTER (WHERE status IN {EntryStatus.LiveSql}), count(*) FILTER (WHERE status = 'waiting_contact'),
                   count(*) FILTER (WHERE status = 'failed'), count(*) FILTER (WHERE status = 'completed'), count(*) FILTER (WHERE status = 'exited'),
                   count(*) FILTER (WHERE converted_at IS NOT NULL)
            FROM journey_entries WHERE journey_id = $1
            """, reader => (Entered: reader.GetInt64(0), Inside: reader.GetInt64(1), Contact: reader.GetInt64(2), Failed: reader.GetInt64(3),
                Completed: reader.GetInt64(4), Exited: reader.GetInt64(5), Converted: reader.GetInt64(6)), cancellationToken, journeyId))[0];
        var texts = (await connection.ListAsync("""
            SELECT count(*) FILTER (WHERE status IN ('pending', 'deferred', 'sending')), count(*) FILTER (WHERE status IN ('queued', 'sent', 'delivered', 'undelivered')),
                   count(*) FILTER (WHERE status = 'delivered'), count(*) FILTER (WHERE status IN ('failed', 'undelivered'))
            FROM messages WHERE journey_id = $1
            """, reader => (Unsettled: reader.GetInt64(0), Sent: reader.GetInt64(1), Delivered: reader.GetInt64(2), Failed: reader.GetInt64(3)),
            cancellationToken, journeyId))[0];
        var skipped = (await connection.ListAsync("""
            SELECT reason, count(*) FROM (
                SELECT skip_reason AS reason FROM journey_entries WHERE journey_id = $1 AND status IN ('skipped', 'exited')
                UNION ALL
                SELECT skip_reason FROM messages WHERE journey_id = $1 AND status = 'skipped'
            ) skipped GROUP BY reason ORDER BY reason
            """, reader => (Reason: reader.NullableString(0) ?? "unknown", Count: reader.GetInt64(1)), cancellationToken, journeyId))
            .ToDictionary(row => row.Reason, row => row.Count);

        var steps = await StepsAsync(connection, journeyId, cancellationToken);
        var paths = await connection.ListAsync("""
            SELECT COALESCE(path, ''), count(*), count(*) FILTER (WHERE converted_at IS NOT NULL) FROM journey_entries WHERE journey_id = $1 GROUP BY 1 ORDER BY 1
            """, reader => new PathCounts(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), GoalLift.Rate(reader.GetInt64(2), reader.GetInt64(1))),
            cancellationToken, journeyId);
        var arms = await connection.ListAsync("""
            SELECT l.step_id, l.outcome, bool_or(COALESCE((l.detail->>'holdout')::boolean, false)), count(*), count(*) FILTER (WHERE e.converted_at IS NOT NULL)
            FROM journey_step_log l JOIN journey_entries e ON e.id = l.entry_id
            WHERE e.journey_id = $1 AND l.step_type = 'random_split' AND l.outcome IS NOT NULL
            GROUP BY 1, 2 ORDER BY 1, 2
            """, reader => (Step: reader.GetString(0), Arm: new ArmTally(reader.GetString(1), reader.GetBoolean(2), reader.GetInt64(3), reader.GetInt64(4))),
            cancellationToken, journeyId);
        var lift = arms.GroupBy(row => row.Step).Select(group => new SplitLift(group.Key, GoalLift.Compare([.. group.Select(row => row.Arm)]))).ToList();

        return new JourneyCounts(entries.Entered, entries.Inside + texts.Unsettled, entries.Contact, texts.Sent, texts.Delivered, entries.Failed + texts.Failed,
            entries.Completed, entries.Exited, entries.Converted, skipped, steps, paths, lift);
    }

    private static async Task<IReadOnlyList<StepCounts>> StepsAsync(NpgsqlConnection connection, Guid journeyId, CancellationToken cancellationToken)
    {
        var rows = await connection.ListAsync($"""
            SELECT l.step_id, min(l.step_type), count(*),
                   count(*) FILTER (WHERE e.step_id = l.step_id AND e.status IN {EntryStatus.LiveSql}),
                   count(*) FILTER (WHERE e.step_id = l.step_id AND e.status = 'waiting_contact'),
                   count(m.id) FILTER (WHERE m.status IN ('queued', 'sent', 'delivered', 'undelivered')),
                   count(m.id) FILTER (WHERE m.status = 'delivered'),
                   count(m.id) FILTER (WHERE m.status IN ('failed', 'undelivered')),
                   count(*) FILTER (WHERE e.step_id = l.step_id AND e.status IN ('exited', 'skipped', 'failed')),
                   count(*) FILTER (WHERE e.converted_at IS NOT NULL)
            FROM journey_step_log l JOIN journey_entries e ON e.id = l.entry_id LEFT JOIN messages m ON m.id = l.message_id
            WHERE e.journey_id = $1 GROUP BY l.step_id
            """, reader => (Id: reader.GetString(0), Type: reader.GetString(1), Entered: reader.GetInt64(2), Waiting: reader.GetInt64(3), Contact: reader.GetInt64(4),
                Sent: reader.GetInt64(5), Delivered: reader.GetInt64(6), Failed: reader.GetInt64(7), Exited: reader.GetInt64(8), Converted: reader.GetInt64(9)),
            cancellationToken, journeyId);
        var skipped = await connection.ListAsync("""
            SELECT l.step_id, COALESCE(l.reason, 'unknown'), count(*) FROM journey_step_log l JOIN journey_entries e ON e.id = l.entry_id
            WHERE e.journey_id = $1 AND l.outcome = 'skipped' GROUP BY 1, 2
            UNION ALL
            SELECT l.step_id, COALESCE(m.skip_reason, 'unknown'), count(*) FROM journey_step_log l JOIN journey_entries e ON e.id = l.entry_id
            JOIN messages m ON m.id = l.message_id WHERE e.journey_id = $1 AND m.status = 'skipped' GROUP BY 1, 2
            """, reader => (Step: reader.GetString(0), Reason: reader.GetString(1), Count: reader.GetInt64(2)), cancellationToken, journeyId);
        var outcomes = await connection.ListAsync("""
            SELECT l.step_id, l.outcome, count(*) FROM journey_step_log l JOIN journey_entries e ON e.id = l.entry_id
            WHERE e.journey_id = $1 AND l.outcome IS NOT NULL GROUP BY 1, 2
            """, reader => (Step: reader.GetString(0), Outcome: reader.GetString(1), Count: reader.GetInt64(2)), cancellationToken, journeyId);
        return [.. rows.Select(row => new StepCounts(row.Id, row.Type, row.Entered, row.Waiting, row.Contact, row.Sent, row.Delivered, row.Failed,
            skipped.Where(s => s.Step == row.Id).GroupBy(s => s.Reason).ToDictionary(g => g.Key, g => g.Sum(s => s.Count)),
            row.Exited, row.Converted,
            outcomes.Where(o => o.Step == row.Id).ToDictionary(o => o.Outcome, o => o.Count)))];
    }

    /// <summary>A journey's entries for one person (by user id or profile id), newest first, each with the steps it took and why.</summary>
    public async Task<IReadOnlyList<EntryExplanation>> ExplainAsync(Guid journeyId, string? userId, Guid? profileId, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var entries = await connection.ListAsync("""
            SELECT id, journey_version, profile_id, user_id, status, skip_reason, path, entered_at, finished_at, step_id, due_at, converted_at, goal_event::text
            FROM journey_entries
            WHERE journey_id = $1 AND ($2::text IS NULL OR user_id = $2) AND ($3::uuid IS NULL OR profile_id = $3 OR origin_profile_id = $3)
            ORDER BY entered_at DESC, id DESC LIMIT $4
            """, reader => (Id: reader.GetGuid(0), Version: reader.GetInt32(1), ProfileId: reader.IsDBNull(2) ? (Guid?)null : reader.GetGuid(2),
                UserId: reader.NullableString(3), Status: reader.GetString(4), Reason: reader.NullableString(5), Path: reader.NullableString(6),
                EnteredAt: reader.Instant(7), FinishedAt: reader.NullableInstant(8), Step: reader.NullableString(9), DueAt: reader.NullableInstant(10),
                ConvertedAt: reader.NullableInstant(11), Goal: reader.IsDBNull(12) ? (JsonElement?)null : reader.Json(12)),
            cancellationToken, journeyId, Sql.Text(userId), Sql.Uuid(profileId), limit);
        var visits = await connection.ListAsync("""
            SELECT l.entry_id, l.step_id, l.step_type, l.arrived_at, l.completed_at, l.outcome, l.reason, l.detail::text, l.message_id, m.status, m.skip_reason
            FROM journey_step_log l LEFT JOIN messages m ON m.id = l.message_id WHERE l.entry_id = ANY($1) ORDER BY l.entry_id, l.seq
            """, reader => (Entry: reader.GetGuid(0), Visit: new StepVisit(reader.GetString(1), reader.GetString(2), reader.Instant(3), reader.NullableInstant(4),
                reader.NullableString(5), reader.NullableString(6), reader.IsDBNull(7) ? null : reader.Json(7), reader.IsDBNull(8) ? null : reader.GetGuid(8),
                reader.NullableString(9), reader.NullableString(10))),
            cancellationToken, entries.Select(entry => entry.Id).ToArray());
        return [.. entries.Select(entry => new EntryExplanation(entry.Id, entry.Version, entry.ProfileId, entry.UserId, entry.Status, entry.Reason, entry.Path,
            entry.EnteredAt, entry.FinishedAt, entry.Step, EntryStatus.Live.Contains(entry.Status) ? entry.DueAt : null, entry.ConvertedAt, entry.Goal,
            [.. visits.Where(visit => visit.Entry == entry.Id).Select(visit => visit.Visit)]))];
    }
}
