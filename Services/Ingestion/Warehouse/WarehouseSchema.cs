using System.Reflection;
using Alle.Ingestion.Storage;
using Npgsql;

namespace Alle.Ingestion.Warehouse;

/// <summary>
/// Applies the warehouse layout's scripts (<c>Warehouse/Schema/*.sql</c>) to warehousedb at start, each once, under an
/// advisory lock. Kept apart from ingestiondb's migrations (and from other services' migrations in the same database)
/// by its own history table.
/// </summary>
internal sealed class WarehouseSchema([FromKeyedServices(WarehouseDatabase.Name)] NpgsqlDataSource dataSource, ILogger<WarehouseSchema> logger) : IHostedService
{
    private const string ResourcePrefix = "warehouse-schema/";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await ApplyAsync(cancellationToken);
                return;
            }
            catch (NpgsqlException exception) when (exception.IsTransient && attempt < 10)
            {
                logger.LogWarning("warehousedb not reachable yet (attempt {Attempt}): {Message}", attempt, exception.Message);
                await Task.Delay(TimeSpan.FromSeconds(attempt), cancellationToken);
            }
        }
    }

    private async Task ApplyAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var lockCommand = new NpgsqlCommand("""
            SELECT pg_advisory_lock(hashtext('warehouse_schema'));
            CREATE TABLE IF NOT EXISTS warehouse_schema_history (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());
            """, connection))
        {
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }
        try
        {
            var applied = new HashSet<string>();
            await using (var read = new NpgsqlCommand("SELECT id FROM warehouse_schema_history", connection))
            await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    applied.Add(reader.GetString(0));
                }
            }
            foreach (var (id, sql) in Scripts().Where(script => !applied.Contains(script.Id)))
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await using (var migrate = new NpgsqlCommand(sql, connection, transaction))
                {
                    await migrate.ExecuteNonQueryAsync(cancellationToken);
                }
                await using (var record = new NpgsqlCommand("INSERT INTO warehouse_schema_history (id) VALUES ($1)", connection, transaction))
                {
                    record.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
                    await record.ExecuteNonQueryAsync(cancellationToken);
                }
                await transaction.CommitAsync(cancellationToken);
                logger.LogInformation("Applied warehouse script {Script}", id);
            }
        }
        finally
        {
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock(hashtext('warehouse_schema'))", connection);
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    private static IEnumerable<(string Id, string Sql)> Scripts()
    {
        var assembly = Assembly.GetExecutingAssembly();
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using var reader = new StreamReader(assembly.GetManifestResourceStream(name)!);
            yield return (name[ResourcePrefix.Length..^".sql".Length], reader.ReadToEnd());
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
