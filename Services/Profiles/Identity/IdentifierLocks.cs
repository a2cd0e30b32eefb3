using System.IO.Hashing;
using System.Text;
using Alle.Contracts;
using Alle.Platform.Sql;
using Npgsql;

namespace Alle.Profiles.Identity;

/// <summary>
/// Transaction-scoped advisory locks on identifiers, taken in one order by everyone who creates, moves or deletes
/// identities (resolution, unmerge, deletion), so two writers never decide about the same identifier at once.
/// </summary>
internal static class IdentifierLocks
{
    public static NpgsqlBatchCommand Lock(IEnumerable<Identifier> identifiers) => Sql.Command(
        "SELECT pg_advisory_xact_lock(k) FROM unnest($1::bigint[]) AS k",
        Sql.Value(identifiers.Select(LockKey).Distinct().Order().ToArray()));

    private static long LockKey(Identifier identifier) =>
        unchecked((long)XxHash64.HashToUInt64(Encoding.UTF8.GetBytes($"{identifier.Type}\u0001{identifier.Value}")));
}
