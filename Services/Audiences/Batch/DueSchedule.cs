using Alle.Platform.Sql;
using Npgsql;

namespace Alle.Audiences.Batch;

/// <summary>Set-based scheduling of window expiries, for a definition computed over all profiles at once.</summary>
internal static class DueSchedule
{
    /// <summary>Every profile with an <paramref name="eventName"/> event still inside <paramref name="window"/> is due when the oldest such event leaves it.</summary>
    public static Task ScheduleAllAsync(NpgsqlConnection connection, string eventName, TimeSpan window, DateTimeOffset now, CancellationToken cancellationToken) =>
        connection.ExecuteAsync("""
            INSERT INTO profile_due (profile_id, due_at)
            SELECT e.profile_id, min(e.timestamp) + $2 FROM events e WHERE e.name = $1 AND e.timestamp > $3 GROUP BY e.profile_id
            ON CONFLICT (profile_id) DO UPDATE SET due_at = LEAST(profile_due.due_at, EXCLUDED.due_at)
            """, cancellationToken, eventName, window, now - window);
}
