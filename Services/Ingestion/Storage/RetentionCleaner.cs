using Alle.Ingestion.Extensions;
using Alle.Ingestion.Warehouse;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Alle.Ingestion.Storage;

/// <summary>
/// Keeps ingestiondb bounded: message ids are remembered for deduplication for <see cref="IngestionOptions.DedupeWindowDays"/>
/// (a client retry comes within minutes; Segment dedupes within a day), rejections, violations and hourly event counts for
/// <see cref="IngestionOptions.DiagnosticsRetentionDays"/>, privacy deletions' records for <see cref="DeletedSubjects.KeptFor"/>.
/// The warehouse keeps every event.
/// </summary>
internal sealed class RetentionCleaner(
    [FromKeyedServices(IngestionDatabase.Name)] NpgsqlDataSource dataSource,
    [FromKeyedServices(WarehouseDatabase.Name)] NpgsqlDataSource warehouse,
    IOptions<IngestionOptions> options,
    TimeProvider clock,
    ILogger<RetentionCleaner> logger) : BackgroundService
{
    private static readonly TimeSpan s_every = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(s_every, clock);
        do
        {
            try
            {
                await CleanAsync(stoppingToken);
            }
            catch (Exception exception) when (exception is NpgsqlException or TimeoutException)
            {
                logger.LogWarning("Retention clean-up failed: {Message}", exception.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task CleanAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var dedupeBefore = now.AddDays(-options.Value.DedupeWindowDays);
        var diagnosticsBefore = now.AddDays(-options.Value.DiagnosticsRetentionDays);
        long deleted = 0;
        foreach (var (sql, before) in new[]
        {
            ("DELETE FROM received_messages WHERE ctid = ANY(ARRAY(SELECT ctid FROM received_messages WHERE received_at < $1 LIMIT 50000))", dedupeBefore),
            ("DELETE FROM rejected_events WHERE id = ANY(ARRAY(SELECT id FROM rejected_events WHERE received_at < $1 LIMIT 50000))", diagnosticsBefore),
            ("DELETE FROM plan_violations WHERE id = ANY(ARRAY(SELECT id FROM plan_violations WHERE received_at < $1 LIMIT 50000))", diagnosticsBefore),
            // A source's latest hour stays however old it is: it holds the source's last event seen.
            ("DELETE FROM source_event_volume old WHERE hour < $1 AND EXISTS (SELECT 1 FROM source_event_volume newer " +
             "WHERE newer.source_id = old.source_id AND newer.hour > old.hour)", diagnosticsBefore),
        })
        {
            // In slices, so a large backlog never holds long locks or one huge transaction.
            int rows;
            do
            {
                await using var command = dataSource.CreateCommand(sql);
                command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = before });
                rows = await command.ExecuteNonQueryAsync(cancellationToken);
                deleted += rows;
            }
            while (rows == 50000);
        }
        await using (var forget = warehouse.CreateCommand("DELETE FROM deleted_subjects WHERE deleted_at < $1"))
        {
            forget.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now - DeletedSubjects.KeptFor });
            deleted += await forget.ExecuteNonQueryAsync(cancellationToken);
        }
        if (deleted > 0)
        {
            logger.LogInformation("Retention clean-up deleted {Rows} rows", deleted);
        }
    }
}
