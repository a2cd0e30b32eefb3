using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Alle.Platform.Migrations;

/// <summary>
/// Applies a service's SQL migrations at start: the embedded resources under <c>Migrations/</c> (or another folder) whose
/// names end in <c>.sql</c> (<c>0001_initial.sql</c>, <c>0002_…</c>), in name order, each once, each in its own
/// transaction, recorded in <c>schema_migrations</c> (or another history table, so that two sets of scripts can share a
/// database). An advisory lock lets several replicas start at once. Register it before the event bus so consumers never
/// run against a missing table.
/// </summary>
public static class DatabaseMigrations
{
    /// <param name="connectionName">The data source's connection name; keyed data sources are looked up by this key.</param>
    /// <param name="keyed">True when the data source was registered with <c>AddKeyedNpgsqlDataSource</c>.</param>
    /// <param name="folder">The scripts' folder in the project, with dots for slashes (<c>Warehouse.Schema</c>).</param>
    /// <param name="historyTable">Where applied scripts are recorded; also names the advisory lock.</param>
    public static void AddDatabaseMigrations(this IHostApplicationBuilder builder, string connectionName, bool keyed = false, Assembly? assembly = null,
        string folder = "Migrations", string historyTable = "schema_migrations")
    {
        var source = assembly ?? Assembly.GetEntryAssembly() ?? throw new InvalidOperationException("No assembly to read migrations from.");
        // Not AddHostedService: it registers one Migrator at most, and a service may migrate two databases.
        builder.Services.AddSingleton<IHostedService>(services => new Migrator(
            keyed ? services.GetRequiredKeyedService<NpgsqlDataSource>(connectionName) : services.GetRequiredService<NpgsqlDataSource>(),
            ReadScripts(source, folder),
            historyTable,
            connectionName,
            services.GetRequiredService<ILogger<Migrator>>()));
    }

    /// <summary>The embedded scripts of an assembly's folder, in order.</summary>
    public static IReadOnlyList<(string Id, string Sql)> ReadScripts(Assembly assembly, string folder = "Migrations")
    {
        var marker = $".{folder}.";
        return assembly.GetManifestResourceNames()
            .Where(name => name.Contains(marker, StringComparison.Ordinal) && name.EndsWith(".sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(name =>
            {
                using var reader = new StreamReader(assembly.GetManifestResourceStream(name)!);
                var id = name[(name.IndexOf(marker, StringComparison.Ordinal) + marker.Length)..^".sql".Length];
                return (id, reader.ReadToEnd());
            })
            .ToList();
    }

    internal sealed class Migrator(NpgsqlDataSource dataSource, IReadOnlyList<(string Id, string Sql)> scripts, string historyTable, string connectionName,
        ILogger<Migrator> logger) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await MigrateAsync(cancellationToken);
                    return;
                }
                catch (NpgsqlException exception) when (exception.IsTransient && attempt < 10)
                {
                    logger.LogWarning("Database {Connection} not reachable yet (attempt {Attempt}): {Message}", connectionName, attempt, exception.Message);
                    await Task.Delay(TimeSpan.FromSeconds(attempt), cancellationToken);
                }
            }
        }

        private async Task MigrateAsync(CancellationToken cancellationToken)
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using (var lockCommand = new NpgsqlCommand($"""
                SELECT pg_advisory_lock(hashtext('{historyTable}'));
                CREATE TABLE IF NOT EXISTS {historyTable} (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());
                """, connection))
            {
                await lockCommand.ExecuteNonQueryAsync(cancellationToken);
            }

            try
            {
                var applied = new HashSet<string>();
                await using (var read = new NpgsqlCommand($"SELECT id FROM {historyTable}", connection))
                await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
                {
                    while (await reader.ReadAsync(cancellationToken))
                    {
                        applied.Add(reader.GetString(0));
                    }
                }

                foreach (var (id, sql) in scripts.Where(script => !applied.Contains(script.Id)))
                {
                    await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                    await using (var migrate = new NpgsqlCommand(sql, connection, transaction))
                    {
                        await migrate.ExecuteNonQueryAsync(cancellationToken);
                    }
                    await using (var record = new NpgsqlCommand($"INSERT INTO {historyTable} (id) VALUES ($1)", connection, transaction))
                    {
                        record.Parameters.AddWithValue(id);
                        await record.ExecuteNonQueryAsync(cancellationToken);
                    }
                    await transaction.CommitAsync(cancellationToken);
                    logger.LogInformation("Applied migration {Migration} to {Connection}", id, connectionName);
                }
            }
            finally
            {
                await using var unlock = new NpgsqlCommand($"SELECT pg_advisory_unlock(hashtext('{historyTable}'))", connection);
                await unlock.ExecuteNonQueryAsync(CancellationToken.None);
            }
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
