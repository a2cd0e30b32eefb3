using Npgsql;
using NpgsqlTypes;

namespace Alle.Platform.Sql;

/// <summary>Typed parameters and batch commands with positional parameters ($1, $2, …).</summary>
public static class Sql
{
    public static NpgsqlParameter<T> Value<T>(T value) => new() { TypedValue = value };

    public static NpgsqlParameter Jsonb(string json) => new() { Value = json, NpgsqlDbType = NpgsqlDbType.Jsonb };

    public static NpgsqlParameter Text(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };

    public static NpgsqlParameter Uuid(Guid? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid };

    public static NpgsqlParameter Date(DateOnly? value) => new() { Value = value is { } date ? date : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Date };

    /// <summary>Postgres <c>timestamptz</c> takes UTC only.</summary>
    public static DateTimeOffset Utc(DateTimeOffset value) => value.ToUniversalTime();

    public static NpgsqlBatchCommand Command(string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddRange(parameters);
        return command;
    }

    /// <summary>Failures a retry of the whole transaction resolves: a deadlock, a serialization failure, a concurrent insert of the same key.</summary>
    public static bool IsWriteConflict(PostgresException exception) =>
        exception.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.UniqueViolation;
}
