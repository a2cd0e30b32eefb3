using Alle.Destinations.Extensions;
using Alle.Platform.Sql;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Alle.Destinations.Maintenance;

/// <summary>
/// Keeps the queue and the log to their retention (<see cref="RetentionOptions"/>), in small batches: delivered and
/// dropped rows after the deduplication window, dead letters after theirs, log lines, hourly counts and the deleted
/// subjects' hashes (a day: long enough for any event in flight).
/// </summary>
internal sealed class RetentionWorker(NpgsqlDataSource dataSource, IOptions<DestinationsOptions> options, TimeProvider clock, ILogger<RetentionWorker> logger)
    : BackgroundService
{
    private const int Batch = 5_000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.Value.Retention.Interval, clock, stoppingToken);
                await PruneAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is NpgsqlException or TimeoutException)
            {
                logger.LogWarning("Pruning the delivery queue failed: {Message}", exception.Message);
            }
        }
    }

    public async Task PruneAsync(CancellationToken cancellationToken)
    {
        var retention = options.Value.Retention;
        var now = clock.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        (string Sql, object[] Arguments)[] statements =
        [
            ("""
             DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries WHERE finished_at < $1
                 AND status IN ('delivered', 'filtered', 'consent_blocked', 'suppressed') LIMIT $2)
             """, [now - retention.Deduplication, Batch]),
            ("DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries WHERE finished_at < $1 AND status IN ('dead', 'failed') LIMIT $2)",
                [now - retention.DeadLetters, Batch]),
            ("DELETE FROM delivery_attempts WHERE id IN (SELECT id FROM delivery_attempts WHERE attempted_at < $1 LIMIT $2)", [now - retention.Log, Batch]),
            ("DELETE FROM delivery_counts WHERE hour < $1", [now - retention.Counts]),
            ("DELETE FROM deleted_subjects WHERE deleted_at < $1", [now - TimeSpan.FromDays(1)]),
        ];
        foreach (var (sql, arguments) in statements)
        {
            while (await connection.ExecuteAsync(sql, cancellationToken, arguments) >= Batch)
            {
            }
        }
    }
}
