using System.Diagnostics;
using Npgsql;
using NpgsqlTypes;

namespace Alle.Bench.All.Baselines;

/// <summary>
/// The warehouse's ceiling on this machine in this run: rows per second that one connection writes by binary COPY into
/// a scratch table shaped like the warehouse's <c>tracks</c> (text ids, jsonb properties and context, timestamps), on
/// the application's own PostgreSQL. The table is dropped afterwards.
/// </summary>
internal static class CopyBaseline
{
    private const string Properties = """{"zip": "10001", "radius": 25, "specialty": "injectables"}""";
    private const string Context = """{"library": {"name": "alle-bench", "version": "1.0"}, "locale": "en-US"}""";

    public static async Task<double> RowsPerSecondAsync(string warehouse, TimeSpan duration)
    {
        await using var connection = new NpgsqlConnection(warehouse);
        await connection.OpenAsync();
        await Execute(connection, """
            DROP TABLE IF EXISTS bench_copy_baseline;
            CREATE TABLE bench_copy_baseline (id text PRIMARY KEY, user_id text, event text NOT NULL, properties jsonb NOT NULL,
                context jsonb NOT NULL, timestamp timestamptz NOT NULL, received_at timestamptz NOT NULL)
            """);
        try
        {
            long rows = 0;
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < duration)
            {
                await using var importer = await connection.BeginBinaryImportAsync(
                    "COPY bench_copy_baseline (id, user_id, event, properties, context, timestamp, received_at) FROM STDIN (FORMAT BINARY)");
                var now = DateTimeOffset.UtcNow;
                for (var i = 0; i < 10_000; i++, rows++)
                {
                    await importer.StartRowAsync();
                    await importer.WriteAsync($"copy-{rows}", NpgsqlDbType.Text);
                    await importer.WriteAsync($"copy-user-{rows % 20_000}", NpgsqlDbType.Text);
                    await importer.WriteAsync("Provider Searched", NpgsqlDbType.Text);
                    await importer.WriteAsync(Properties, NpgsqlDbType.Jsonb);
                    await importer.WriteAsync(Context, NpgsqlDbType.Jsonb);
                    await importer.WriteAsync(now, NpgsqlDbType.TimestampTz);
                    await importer.WriteAsync(now, NpgsqlDbType.TimestampTz);
                }
                await importer.CompleteAsync();
            }
            return rows / clock.Elapsed.TotalSeconds;
        }
        finally
        {
            await Execute(connection, "DROP TABLE IF EXISTS bench_copy_baseline");
        }
    }

    private static async Task Execute(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
