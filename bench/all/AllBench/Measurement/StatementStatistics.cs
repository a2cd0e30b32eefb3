using System.Globalization;
using Npgsql;

namespace Alle.Bench.All.Measurement;

/// <summary>
/// Where PostgreSQL spent its time during a scenario, from <c>pg_stat_statements</c> (which the AppHost loads when
/// Debian's package has it): reset before, read after, the statements that took the most execution time across every
/// database. Execution time counts waits (locks, a busy machine's run queue); buffers touched and WAL written do not,
/// so they compare runs on a noisy machine. <see cref="Problem"/> says why there is nothing to show.
/// </summary>
internal sealed class StatementStatistics(string anyDatabase)
{
    private readonly string _connectionString = new NpgsqlConnectionStringBuilder(anyDatabase) { Database = "postgres" }.ConnectionString;

    public string? Problem { get; private set; }

    public async Task ResetAsync()
    {
        try
        {
            await using var dataSource = NpgsqlDataSource.Create(_connectionString);
            await using (var create = dataSource.CreateCommand("CREATE EXTENSION IF NOT EXISTS pg_stat_statements"))
            {
                await create.ExecuteNonQueryAsync();
            }
            await using var reset = dataSource.CreateCommand("SELECT pg_stat_statements_reset()");
            await reset.ExecuteNonQueryAsync();
        }
        catch (PostgresException exception)
        {
            Problem = exception.MessageText;
        }
    }

    /// <summary>The <paramref name="top"/> statements by total execution time since the reset, as a Markdown table.</summary>
    public async Task<string> TopAsync(int top, long events)
    {
        if (Problem is { } problem)
        {
            return $"PostgreSQL's statement statistics are not available: {problem}";
        }
        await using var dataSource = NpgsqlDataSource.Create(_connectionString);
        await using var command = dataSource.CreateCommand("""
            SELECT d.datname, s.calls, s.rows, s.total_exec_time, s.total_exec_time / NULLIF(sum(s.total_exec_time) OVER (), 0),
                   regexp_replace(s.query, '\s+', ' ', 'g'), s.shared_blks_hit + s.shared_blks_read + s.shared_blks_dirtied, s.wal_bytes::float8,
                   sum(s.wal_bytes) OVER ()::float8
            FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
            ORDER BY s.total_exec_time DESC LIMIT $1
            """);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = top });
        var invariant = CultureInfo.InvariantCulture;
        var lines = new List<string>
        {
            "| database | statement | calls | rows | total s | share | µs per event | buffers per event | WAL bytes per event |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|",
        };
        double walPerEvent = 0;
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var totalMs = reader.GetDouble(3);
            var text = reader.GetString(5);
            text = (text.Length > 140 ? text[..140] + "…" : text).Replace("|", "\\|", StringComparison.Ordinal);
            lines.Add($"| {reader.GetString(0)} | `{text}` | {reader.GetInt64(1).ToString("N0", invariant)} | {reader.GetInt64(2).ToString("N0", invariant)} " +
                $"| {(totalMs / 1000).ToString("0.0", invariant)} | {(reader.IsDBNull(4) ? 0 : reader.GetDouble(4)).ToString("P0", invariant)} " +
                $"| {PerEvent(totalMs * 1000)} | {PerEvent(reader.GetInt64(6))} | {PerEvent(reader.GetDouble(7))} |");
            walPerEvent = events > 0 ? reader.GetDouble(8) / events : 0;
        }
        lines.Add($"| every database | every statement, WAL bytes per event | | | | | | | {walPerEvent.ToString("N0", invariant)} |");
        return string.Join(Environment.NewLine, lines);

        string PerEvent(double total) => (events > 0 ? total / events : 0).ToString("0.0", invariant);
    }
}
