using Alle.Loyalty.Members;
using Alle.Platform.Sql;
using Npgsql;

namespace Alle.Loyalty.Points;

internal static class LedgerQueries
{
    public static Task<List<LedgerEntry>> EntriesAsync(this NpgsqlTransaction transaction, string memberId, CancellationToken cancellationToken) =>
        transaction.Command("""
            SELECT entry_id, kind, points, available_at, created_at, purchase_id FROM ledger_entries
            WHERE member_id = $1 ORDER BY entry_id
            """, memberId).ListAsync(ReadEntry, cancellationToken);

    /// <summary>The member's row, locked until the transaction ends: every change to a member's points goes through this lock.</summary>
    public static Task<Member?> LockMemberAsync(this NpgsqlTransaction transaction, string memberId, CancellationToken cancellationToken) =>
        transaction.Command($"SELECT {Member.Columns} FROM members WHERE member_id = $1 FOR UPDATE", memberId)
            .SingleOrDefaultAsync(Member.Read, cancellationToken);

    public static LedgerEntry ReadEntry(NpgsqlDataReader reader) => new(
        reader.GetInt64(0),
        reader.GetString(1) switch { "earn" => EntryKind.Earn, "reverse" => EntryKind.Reverse, "adjust" => EntryKind.Adjust, _ => EntryKind.Redeem },
        reader.GetInt32(2), reader.Instant(3), reader.Instant(4), reader.NullableString(5));

    public static string Name(this EntryKind kind) => kind switch { EntryKind.Earn => "earn", EntryKind.Reverse => "reverse", EntryKind.Adjust => "adjust", _ => "redeem" };

    public static Task InsertEntryAsync(this NpgsqlTransaction transaction, string memberId, EntryKind kind, int points, DateTimeOffset availableAt,
        DateTimeOffset createdAt, string? purchaseId, string? redemptionId, string? providerId, string description, CancellationToken cancellationToken) =>
        transaction.ExecuteAsync("""
            INSERT INTO ledger_entries (member_id, kind, points, available_at, created_at, purchase_id, redemption_id, provider_id, description)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
            """, cancellationToken, memberId, kind.Name(), points, availableAt, createdAt,
            new NpgsqlParameter { Value = (object?)purchaseId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text },
            new NpgsqlParameter { Value = (object?)redemptionId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text },
            new NpgsqlParameter { Value = (object?)providerId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text },
            description);
}
