using Alle.Contracts;
using Alle.Platform.Sql;
using Npgsql;

namespace Alle.Ingestion.Sources;

/// <summary>Events a source sent in one hour (UTC, the hour's start).</summary>
internal sealed record HourlyVolume(DateTimeOffset Hour, long Events);

/// <summary>The latest event a source sent: when it arrived, its type and its name (track event, page or screen name).</summary>
internal sealed record LastEventSeen(DateTimeOffset ReceivedAt, string Type, string? Name);

/// <summary>A source's accepted events per hour, oldest first with every hour present, and the last event seen (null: never).</summary>
internal sealed record SourceVolume(string SourceId, IReadOnlyList<HourlyVolume> Hours, long LastHour, LastEventSeen? LastEvent)
{
    /// <summary>The hour an instant falls in.</summary>
    public static DateTimeOffset HourOf(DateTimeOffset instant)
    {
        var utc = instant.ToUniversalTime();
        return new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, TimeSpan.Zero);
    }

    /// <summary>The <paramref name="hours"/> hours up to and including now's, each with its count (0 when nothing came).</summary>
    public static SourceVolume FromCounts(string sourceId, DateTimeOffset now, int hours, IReadOnlyDictionary<DateTimeOffset, long> counts, LastEventSeen? lastEvent)
    {
        var current = HourOf(now);
        var series = Enumerable.Range(0, hours)
            .Select(i => current.AddHours(i - hours + 1))
            .Select(hour => new HourlyVolume(hour, counts.GetValueOrDefault(hour)))
            .ToList();
        return new SourceVolume(sourceId, series, series.Count == 0 ? 0 : series[^1].Events, lastEvent);
    }

    /// <summary>
    /// Adds a committed request's new events to its source's hour, in the request's transaction. The shard is random so
    /// that concurrent requests of one source seldom wait on one row lock until their commits.
    /// </summary>
    public static NpgsqlBatchCommand CountCommand(string sourceId, DateTimeOffset receivedAt, IReadOnlyList<TrackedEvent> events)
    {
        var last = events[^1];
        return Sql.Command("""
            INSERT INTO source_event_volume AS v (source_id, hour, shard, events, last_received_at, last_type, last_event)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            ON CONFLICT (source_id, hour, shard) DO UPDATE SET
                events = v.events + excluded.events,
                last_type = CASE WHEN excluded.last_received_at >= v.last_received_at THEN excluded.last_type ELSE v.last_type END,
                last_event = CASE WHEN excluded.last_received_at >= v.last_received_at THEN excluded.last_event ELSE v.last_event END,
                last_received_at = greatest(v.last_received_at, excluded.last_received_at)
            """,
            Sql.Value(sourceId), Sql.Value(HourOf(receivedAt)), Sql.Value((short)Random.Shared.Next(Shards)), Sql.Value((long)events.Count),
            Sql.Value(Sql.Utc(receivedAt)), Sql.Value(last.Type), Sql.Text(last.Event ?? last.Name));
    }

    private const int Shards = 8;
}
