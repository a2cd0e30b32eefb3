using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Applies a service's SQL migrations at start: the embedded resources under <c>Migrations/</c> whose names end in
/// <c>.sql</c> (<c>0001_initial.sql</c>, <c>0002_…</c>), in name order, each once, each in its own transaction, recorded in
/// <c>schema_migrations</c>. An advisory lock lets several replicas start at once. Register it before the event bus so
/// consumers never run against a missing table.
/// </summary>
public static class DatabaseMigrations
{
    /// <param name="connectionName">The data source's connection name; keyed data sources are looked up by this key.</param>
    /// <param name="keyed">True when the data source was registered with <c>AddKeyedNpgsqlDataSource</c>.</param>
    public static void AddDatabaseMigrations(this IHostApplicationBuilder builder, string connectionName, bool keyed = false, Assembly? assembly = null)
    {
        var source = assembly ?? Assembly.GetEntryAssembly() ?? throw new InvalidOperationException("No assembly to read migrations from.");
        builder.Services.AddHostedService(services => new Migrator(
            keyed ? services.GetRequiredKeyedService<NpgsqlDataSource>(connectionName) : services.GetRequiredService<NpgsqlDataSource>(),
            source,
            connectionName,
            services.GetRequiredService<ILogger<Migrator>>()));
    }

    /// <summary>The embedded migration scripts of an assembly, in order.</summary>
    public static IReadOnlyList<(string Id, string Sql)> ReadScripts(Assembly assembly) => assembly.GetManifestResourceNames()
        .Where(name => name.Contains(".Migrations.", StringComparison.Ordinal) && name.EndsWith(".sql", StringComparison.Ordinal))
        .Order(StringComparer.Ordinal)
        .Select(name =>
        {
            using var reader = new StreamReader(assembly.GetManifestResourceStream(name)!);
            var id = name[(name.IndexOf(".Migrations.", StringComparison.Ordinal) + ".Migrations.".Length)..^".sql".Length];
            return (id, reader.ReadToEnd());
        })
        .ToList();

    internal sealed class Migrator(NpgsqlDataSource dataSource, Assembly assembly, string connectionName, ILogger<Migrator> logger) : IHostedService
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
            await using (var lockCommand = new NpgsqlCommand("""
                SELECT pg_advisory_lock(hashtext('schema_migrations'));
                CREATE TABLE IF NOT EXISTS schema_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());
                """, connection))
            {
                await lockCommand.ExecuteNonQueryAsync(cancellationToken);
            }

            try
            {
                var applied = new HashSet<string>();
                await using (var read = new NpgsqlCommand("SELECT id FROM schema_migrations", connection))
                await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
                {
                    while (await reader.ReadAsync(cancellationToken))
                    {
                        applied.Add(reader.GetString(0));
                    }
                }

                foreach (var (id, sql) in ReadScripts(assembly).Where(script => !applied.Contains(script.Id)))
                {
                    await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                    await using (var migrate = new NpgsqlCommand(sql, connection, transaction))
                    {
                        await migrate.ExecuteNonQueryAsync(cancellationToken);
                    }
                    await using (var record = new NpgsqlCommand("INSERT INTO schema_migrations (id) VALUES ($1)", connection, transaction))
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
                await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock(hashtext('schema_migrations'))", connection);
                await unlock.ExecuteNonQueryAsync(CancellationToken.None);
            }
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
