using Alle.Platform.Outbox;
using Alle.Platform.Workers;
using Npgsql;

namespace Alle.Loyalty.Storage;

/// <summary>Runs a unit of work in one transaction; facts it wrote to the outbox are relayed as soon as it commits.</summary>
internal sealed class LoyaltyDatabase(NpgsqlDataSource dataSource, WorkSignal<OutboxRelay> outboxSignal)
{
    public NpgsqlDataSource DataSource => dataSource;

    public async Task<T> InTransactionAsync<T>(Func<NpgsqlTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var result = await work(transaction);
        await transaction.CommitAsync(cancellationToken);
        outboxSignal.Notify();
        return result;
    }
}

/// <summary>Positional-parameter commands ($1, $2, …) without ceremony.</summary>
internal static class SqlCommands
{
    public static NpgsqlCommand Command(this NpgsqlTransaction transaction, string sql, params object?[] arguments)
    {
        var command = new NpgsqlCommand(sql, transaction.Connection, transaction);
        AddArguments(command, arguments);
        return command;
    }

    public static NpgsqlCommand Command(this NpgsqlDataSource dataSource, string sql, params object?[] arguments)
    {
        var command = dataSource.CreateCommand(sql);
        AddArguments(command, arguments);
        return command;
    }

    public static async Task<int> ExecuteAsync(this NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken, params object?[] arguments)
    {
        await using var command = transaction.Command(sql, arguments);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Reads every row with <paramref name="map"/>.</summary>
    public static async Task<List<T>> ListAsync<T>(this NpgsqlCommand command, Func<NpgsqlDataReader, T> map, CancellationToken cancellationToken)
    {
        await using (command)
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var rows = new List<T>();
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(map(reader));
            }
            return rows;
        }
    }

    public static async Task<T?> SingleOrDefaultAsync<T>(this NpgsqlCommand command, Func<NpgsqlDataReader, T> map, CancellationToken cancellationToken)
        => (await command.ListAsync(map, cancellationToken)).FirstOrDefault();

    public static string? NullableString(this NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static DateTimeOffset? NullableTime(this NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<DateTimeOffset>(ordinal);

    public static DateTimeOffset Time(this NpgsqlDataReader reader, int ordinal) => reader.GetFieldValue<DateTimeOffset>(ordinal);

    private static void AddArguments(NpgsqlCommand command, object?[] arguments)
    {
        foreach (var argument in arguments)
        {
            command.Parameters.Add(argument is NpgsqlParameter parameter ? parameter : new NpgsqlParameter { Value = argument ?? DBNull.Value });
        }
    }
}
