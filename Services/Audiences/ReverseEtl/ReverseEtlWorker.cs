using Alle.Audiences.Definitions;
using Alle.Platform.Sql;
using Alle.Platform.Workers;
using Npgsql;

namespace Alle.Audiences.ReverseEtl;

/// <summary>
/// Sets up the read-only warehouse role (and the demo model), then queues scheduled runs when they are due and runs
/// queued runs (scheduled or "run now"), one at a time per replica; replicas share the queue.
/// </summary>
internal sealed class ReverseEtlWorker(
    WarehouseAccess warehouse,
    ModelRunner runner,
    NpgsqlDataSource dataSource,
    WorkSignal<ReverseEtlWorker> signal,
    TimeProvider clock,
    Microsoft.Extensions.Options.IOptions<ReverseEtlOptions> options,
    ILogger<ReverseEtlWorker> logger) : BackgroundService
{
    public const string DemoModelKey = "offer-propensity";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await SetUpAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await runner.EnqueueDueAsync(stoppingToken);
                while (await runner.RunNextAsync(stoppingToken))
                {
                }
                await signal.WaitAsync(options.Value.CheckInterval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is NpgsqlException or TimeoutException)
            {
                logger.LogWarning(exception, "Reverse ETL could not read its queue; retrying.");
                await Task.Delay(options.Value.CheckInterval, clock, stoppingToken);
            }
        }
    }

    private async Task SetUpAsync(CancellationToken stoppingToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await warehouse.SetUpAsync(stoppingToken);
                if (options.Value.SeedDemo)
                {
                    await SeedDemoModelAsync(stoppingToken);
                }
                return;
            }
            catch (Exception exception) when (exception is NpgsqlException or TimeoutException)
            {
                logger.LogWarning(exception, "Could not set up warehouse access (attempt {Attempt}); retrying.", attempt);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(attempt * 2, 30)), clock, stoppingToken);
            }
        }
    }

    /// <summary>The demo model: the data team's offer propensity scores, synced as traits every hour.</summary>
    private async Task SeedDemoModelAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await DefinitionKeys.LockCatalogAsync(connection, cancellationToken);
        const string Schedule = "0 * * * *";
        var now = clock.GetUtcNow();
        var created = await connection.ExecuteAsync("""
            INSERT INTO etl_models (id, key, name, description, query, identifier_column, identifier_type, trait_columns, schedule, timeout_seconds,
                                    next_run_at, created_at, updated_at)
            VALUES ($1, $2, 'Offer propensity', 'Demo: the data team''s offer propensity score and best offer per member, as traits.',
                    'SELECT user_id, score, best_offer FROM ml.offer_propensity', 'user_id', 'user_id',
                    '{"score": "offer_propensity", "best_offer": "best_offer"}', $3, 60, $4, $5, $5)
            ON CONFLICT (key) DO NOTHING
            """, cancellationToken, Guid.CreateVersion7(), DemoModelKey, Schedule, ModelSchedule.Next(Schedule, now), now);
        if (created == 1)
        {
            await CatalogCache.BumpAsync(connection, cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }
}
