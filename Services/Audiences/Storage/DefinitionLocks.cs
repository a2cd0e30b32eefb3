using Alle.Platform.Sql;
using Npgsql;

namespace Alle.Audiences.Storage;

internal static class DefinitionLocks
{
    /// <summary>Takes a transaction-scoped lock on a definition: shared by the real-time path, exclusive for a full computation.</summary>
    public static Task LockDefinitionAsync(this NpgsqlConnection connection, Guid definitionId, bool exclusive, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(exclusive
            ? "SELECT pg_advisory_xact_lock(hashtextextended($1::text, 7))"
            : "SELECT pg_advisory_xact_lock_shared(hashtextextended($1::text, 7))", cancellationToken, definitionId);
}
