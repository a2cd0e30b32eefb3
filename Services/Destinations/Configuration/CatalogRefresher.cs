namespace Alle.Destinations.Configuration;

/// <summary>Keeps the in-memory catalog within a second of the database, for paths that consult it without a query.</summary>
internal sealed class CatalogRefresher(CatalogStore catalogs, TimeProvider clock, ILogger<CatalogRefresher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await catalogs.GetAsync(stoppingToken);
                await Task.Delay(TimeSpan.FromSeconds(1), clock, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is Npgsql.NpgsqlException or TimeoutException)
            {
                logger.LogWarning("Reading the destinations catalog failed: {Message}", exception.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), clock, stoppingToken);
            }
        }
    }
}
