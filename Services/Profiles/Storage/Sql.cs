using System.IO.Hashing;
using System.Text;
using Alle.Contracts;
using Npgsql;

namespace Alle.Profiles.Storage;

internal static class Sql
{
    public static NpgsqlParameter<T> Value<T>(T value) => new() { TypedValue = value };

    public static NpgsqlBatchCommand Command(string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddRange(parameters);
        return command;
    }

    /// <summary>
    /// Transaction-scoped advisory locks on identifiers, taken in one order by everyone who creates, moves or deletes
    /// identities (resolution, unmerge, deletion), so two writers never decide about the same identifier at once.
    /// </summary>
    public static NpgsqlBatchCommand LockIdentifiers(IEnumerable<Identifier> identifiers) => Command(
        "SELECT pg_advisory_xact_lock(k) FROM unnest($1::bigint[]) AS k",
        Value(identifiers.Select(LockKey).Distinct().Order().ToArray()));

    private static long LockKey(Identifier identifier) =>
        unchecked((long)XxHash64.HashToUInt64(Encoding.UTF8.GetBytes($"{identifier.Type}\u0001{identifier.Value}")));

    /// <summary>Postgres <c>timestamptz</c> takes UTC only.</summary>
    public static DateTimeOffset Utc(DateTimeOffset value) => value.ToUniversalTime();

    public static bool IsWriteConflict(PostgresException exception) =>
        exception.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.UniqueViolation;
}
