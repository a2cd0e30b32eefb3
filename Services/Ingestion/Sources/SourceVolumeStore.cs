using Alle.Ingestion.Storage;
using Alle.Platform.Sql;
using Npgsql;

namespace Alle.Ingestion.Sources;

/// <summary>Reads the per-hour counters that each accepted request adds to (<see cref="SourceVolume.CountCommand"/>).</summary>
internal sealed class SourceVolumeStore([FromKeyedServices(IngestionDatabase.Name)] NpgsqlDataSource dataSource, TimeProvider clock)
{
    public async Task<SourceVolume> ReadAsync(string sourceId, int hours, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var since = SourceVolume.HourOf(now).AddHours(1 - hours);
        var counts = (await dataSource.ListAsync(
                "SELECT hour, sum(events)::bigint FROM source_event_volume WHERE source_id = $1 AND hour >= $2 GROUP BY hour",
                reader => (Hour: reader.GetFieldValue<DateTimeOffset>(0), Events: reader.GetInt64(1)), cancellationToken, sourceId, since))
            .ToDictionary(row => row.Hour, row => row.Events);
        var lastEvent = (await dataSource.ListAsync("""
                SELECT last_received_at, last_type, last_event FROM source_event_volume
                WHERE source_id = $1 ORDER BY last_received_at DESC LIMIT 1
                """,
                reader => new LastEventSeen(reader.GetFieldValue<DateTimeOffset>(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2)),
                cancellationToken, sourceId))
            .FirstOrDefault();
        return SourceVolume.FromCounts(sourceId, now, hours, counts, lastEvent);
    }
}
