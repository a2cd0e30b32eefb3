using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Alle.Ingestion.Warehouse;

/// <summary>
/// Keeps a privacy deletion done while the person's last events are still in flight: the deletion records whom it
/// removed (<c>deleted_subjects</c>: hashes of identifier keys, and when), and a load drops the rows of those people
/// that ingestion received before the deletion. Loads and deletions serialise on one advisory lock, shared by loads and
/// exclusive for a deletion: a load in progress commits before a deletion looks for rows, and a load starting later
/// sees the deletion's record. Events received after the deletion are new data and load as usual.
/// </summary>
internal static class DeletedSubjects
{
    /// <summary>In-flight events arrive within seconds, or minutes after a broker outage; a day is ample.</summary>
    public static readonly TimeSpan KeptFor = TimeSpan.FromDays(1);

    private const long LockKey = 0x616C6C65_64656C; // "alle-del"

    public static Task LockForLoadAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken) =>
        ExecuteAsync(connection, transaction, $"SELECT pg_advisory_xact_lock_shared({LockKey})", cancellationToken);

    public static Task LockForDeletionAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken) =>
        ExecuteAsync(connection, transaction, $"SELECT pg_advisory_xact_lock({LockKey})", cancellationToken);

    /// <summary>The identifier keys a deletion matches a row by (see <see cref="ProfileDeletedConsumer"/>).</summary>
    public static IEnumerable<string> KeysOf(WarehouseRow row)
    {
        if (row.Event.UserId is { } userId)
        {
            yield return $"user_id:{userId}";
        }
        if (row.Event.AnonymousId is { } anonymousId)
        {
            yield return $"anonymous_id:{anonymousId}";
        }
        if (row.Event.PreviousId is { } previousId)
        {
            yield return $"user_id:{previousId}";
            yield return $"anonymous_id:{previousId}";
        }
        foreach (var contactPoint in row.SubjectIdentifiers)
        {
            yield return contactPoint;
        }
    }

    public static async Task RecordAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IEnumerable<string> keys, DateTimeOffset deletedAt,
        CancellationToken cancellationToken)
    {
        await using var record = new NpgsqlCommand("""
            INSERT INTO deleted_subjects (subject_hash, deleted_at) SELECT DISTINCT unnest($1::bytea[]), $2
            ON CONFLICT (subject_hash) DO UPDATE SET deleted_at = greatest(deleted_subjects.deleted_at, excluded.deleted_at)
            """, connection, transaction);
        record.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = [.. keys.Select(Hash)] });
        record.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = deletedAt });
        await record.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The rows, less those of deleted people that ingestion received before their deletion.</summary>
    public static async Task<List<WarehouseRow>> WithoutDeletedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, List<WarehouseRow> rows,
        CancellationToken cancellationToken)
    {
        var keyed = rows.Select(row => (Row: row, Hashes: KeysOf(row).Select(Hash).ToList())).ToList();
        var deleted = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        await using (var find = new NpgsqlCommand("SELECT subject_hash, deleted_at FROM deleted_subjects WHERE subject_hash = ANY($1)", connection, transaction))
        {
            find.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = [.. keyed.SelectMany(row => row.Hashes)] });
            await using var reader = await find.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                deleted[Convert.ToHexString(reader.GetFieldValue<byte[]>(0))] = reader.GetFieldValue<DateTimeOffset>(1);
            }
        }
        return deleted.Count == 0
            ? rows
            : [.. keyed.Where(row => !row.Hashes.Any(hash => deleted.TryGetValue(Convert.ToHexString(hash), out var at) && row.Row.Event.ReceivedAt <= at))
                .Select(row => row.Row)];
    }

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
