namespace Alle.Ingestion.Sources;

/// <summary>Creates the first-party sources named in configuration (<c>Ingestion:SeedSources:{id}</c> = write key) at start.</summary>
internal sealed class SourceSeeder(SourceStore store, IConfiguration configuration, ILogger<SourceSeeder> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var seed in configuration.GetSection("Ingestion:SeedSources").GetChildren().Where(s => !string.IsNullOrWhiteSpace(s.Value)))
        {
            var id = seed.Key.ToLowerInvariant();
            if (!SourceSlug.IsValid(id))
            {
                throw new InvalidOperationException($"Configuration key 'Ingestion:SeedSources:{seed.Key}' does not name a valid source id (lower-case letters, digits, dashes).");
            }
            await store.SeedAsync(id, seed.Value!, cancellationToken);
            logger.LogInformation("Source {SourceId} seeded from configuration", id);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
