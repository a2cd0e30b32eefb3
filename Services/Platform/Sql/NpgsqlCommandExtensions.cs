using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Alle.Platform.Sql;

/// <summary>
/// Commands with positional parameters ($1, $2, …): a value becomes a parameter of its own type, an
/// <see cref="NpgsqlParameter"/> (see <see cref="Sql"/>) is taken as it is. Commands join the connection's open transaction.
/// </summary>
public static class NpgsqlCommandExtensions
{
    public static NpgsqlCommand Command(this NpgsqlConnection connection, string sql, params object?[] values) =>
        WithValues(new NpgsqlCommand(sql, connection), values);

    public static NpgsqlCommand Command(this NpgsqlTransaction transaction, string sql, params object?[] values) =>
        WithValues(new NpgsqlCommand(sql, transaction.Connection, transaction), values);

    /// <summary>A command on a connection of its own, returned to the pool when the command is disposed.</summary>
    public static NpgsqlCommand Command(this NpgsqlDataSource dataSource, string sql, params object?[] values) =>
        WithValues(dataSource.CreateCommand(sql), values);

    public static async Task<int> ExecuteAsync(this NpgsqlConnection connection, string sql, CancellationToken cancellationToken, params object?[] values)
    {
        await using var command = connection.Command(sql, values);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public static async Task<int> ExecuteAsync(this NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken, params object?[] values)
    {
        await using var command = transaction.Command(sql, values);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public static async Task<int> ExecuteAsync(this NpgsqlDataSource dataSource, string sql, CancellationToken cancellationToken, params object?[] values)
    {
        await using var command = dataSource.Command(sql, values);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public static async Task<T?> ScalarAsync<T>(this NpgsqlConnection connection, string sql, CancellationToken cancellationToken, params object?[] values)
    {
        await using var command = connection.Command(sql, values);
        return await command.ScalarAsync<T>(cancellationToken);
    }

    public static async Task<T?> ScalarAsync<T>(this NpgsqlDataSource dataSource, string sql, CancellationToken cancellationToken, params object?[] values)
    {
        await using var command = dataSource.Command(sql, values);
        return await command.ScalarAsync<T>(cancellationToken);
    }

    public static async Task<List<T>> ListAsync<T>(this NpgsqlConnection connection, string sql, Func<NpgsqlDataReader, T> read,
        CancellationToken cancellationToken, params object?[] values) =>
        await connection.Command(sql, values).ListAsync(read, cancellationToken);

    public static async Task<List<T>> ListAsync<T>(this NpgsqlDataSource dataSource, string sql, Func<NpgsqlDataReader, T> read,
        CancellationToken cancellationToken, params object?[] values) =>
        await dataSource.Command(sql, values).ListAsync(read, cancellationToken);

    /// <summary>Reads every row with <paramref name="read"/>, then disposes the command.</summary>
    public static async Task<List<T>> ListAsync<T>(this NpgsqlCommand command, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken)
    {
        await using (command)
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var items = new List<T>();
            while (await reader.ReadAsync(cancellationToken))
            {
                items.Add(read(reader));
            }
            return items;
        }
    }

    /// <summary>The first row read with <paramref name="read"/>, or default when there is none; disposes the command.</summary>
    public static async Task<T?> SingleOrDefaultAsync<T>(this NpgsqlCommand command, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken) =>
        (await command.ListAsync(read, cancellationToken)).FirstOrDefault();

    private static async Task<T?> ScalarAsync<T>(this NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var result = await command.ExecuteScalarAsync(cancellationToken);
        return result is null or DBNull ? default : (T)result;
    }

    public static JsonElement Json(this NpgsqlDataReader reader, int ordinal)
    {
        using var document = JsonDocument.Parse(reader.GetString(ordinal));
        return document.RootElement.Clone();
    }

    public static JsonElement? NullableJson(this NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.Json(ordinal);

    public static string? NullableString(this NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static Guid? NullableGuid(this NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetGuid(ordinal);

    public static int? NullableInt32(this NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt32(ordinal);

    public static DateTimeOffset? NullableInstant(this NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<DateTimeOffset>(ordinal);

    public static DateTimeOffset Instant(this NpgsqlDataReader reader, int ordinal) => reader.GetFieldValue<DateTimeOffset>(ordinal);

    private static NpgsqlCommand WithValues(NpgsqlCommand command, object?[] values)
    {
        foreach (var value in values)
        {
            command.Parameters.Add(value switch
            {
                NpgsqlParameter parameter => parameter,
                null => new NpgsqlParameter { Value = DBNull.Value },
                DateTimeOffset instant => new NpgsqlParameter { Value = instant.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz },
                JsonElement json => Sql.Jsonb(json.GetRawText()),
                _ => new NpgsqlParameter { Value = value },
            });
        }
        return command;
    }
}
