using System.Security.Cryptography;
using System.Text;
using Alle.Contracts;
using Alle.Platform.Sql;
using Alle.Profiles.Identity;
using Npgsql;

namespace Alle.Profiles.Privacy;

/// <summary>What a regulation did to one subject, inside the chunk's transaction.</summary>
internal sealed record SubjectOutcome(Guid? ProfileId, IReadOnlyList<Identifier> Identifiers, long RowsDeleted);

/// <summary>
/// Finds a subject's person and deletes or suppresses it, inside the caller's transaction. Takes the same identifier
/// and profile locks as identity resolution, so an event of that person being resolved at the same moment either
/// lands before (and is deleted) or after (and meets the suppression, or a fresh profile for DELETE_ONLY).
/// </summary>
internal static class PersonEraser
{
    public static async Task<SubjectOutcome> FindAndLockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Identifier subject, CancellationToken cancellationToken)
    {
        await ExecuteAsync(connection, transaction, cancellationToken, IdentifierLocks.Lock([subject]));
        Guid? profileId = null;
        await using (var find = new NpgsqlCommand("""
            SELECT p.id FROM identities i JOIN profiles p ON p.id = i.profile_id WHERE i.type = $1 AND i.value = $2 FOR UPDATE OF p
            """, connection, transaction))
        {
            find.Parameters.Add(Sql.Value(subject.Type));
            find.Parameters.Add(Sql.Value(subject.Value));
            profileId = await find.ExecuteScalarAsync(cancellationToken) as Guid?;
        }
        if (profileId is null)
        {
            return new SubjectOutcome(null, [subject], 0);
        }

        var identifiers = new List<Identifier>();
        await using (var read = new NpgsqlCommand("SELECT type, value FROM identities WHERE profile_id = $1", connection, transaction))
        {
            read.Parameters.Add(Sql.Value(profileId.Value));
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                identifiers.Add(new Identifier(reader.GetString(0), reader.GetString(1)));
            }
        }
        await ExecuteAsync(connection, transaction, cancellationToken, IdentifierLocks.Lock(identifiers));
        return new SubjectOutcome(profileId, [.. identifiers.Append(subject).Distinct()], 0);
    }

    /// <summary>Deletes the person's profile, the profiles merged into it, traits, timeline, identities, links, merge log and decisions.</summary>
    public static async Task<long> DeleteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid profileId, CancellationToken cancellationToken)
    {
        const string Family = """
            WITH RECURSIVE family(id) AS (SELECT $1::uuid UNION SELECT p.id FROM profiles p JOIN family f ON p.merged_into = f.id)
            SELECT id FROM family
            """;
        var ids = new List<Guid>();
        await using (var read = new NpgsqlCommand(Family, connection, transaction))
        {
            read.Parameters.Add(Sql.Value(profileId));
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                ids.Add(reader.GetGuid(0));
            }
        }
        var family = ids.ToArray();
        await using var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                Sql.Command("DELETE FROM events WHERE profile_id = ANY($1)", Sql.Value(family)),
                Sql.Command("DELETE FROM identities WHERE profile_id = ANY($1)", Sql.Value(family)),
                Sql.Command("DELETE FROM links WHERE profile_id = ANY($1)", Sql.Value(family)),
                Sql.Command("DELETE FROM identity_decisions WHERE profile_id = ANY($1)", Sql.Value(family)),
                Sql.Command("DELETE FROM merges WHERE survivor_id = ANY($1) OR absorbed_id = ANY($1)", Sql.Value(family)),
                Sql.Command("DELETE FROM merge_blocks WHERE profile_a = ANY($1) OR profile_b = ANY($1)", Sql.Value(family)),
                Sql.Command("DELETE FROM profiles WHERE id = ANY($1)", Sql.Value(family)),
            },
        };
        await batch.ExecuteNonQueryAsync(cancellationToken);
        long rows = 0;
        foreach (NpgsqlBatchCommand command in batch.BatchCommands)
        {
            rows += command.RecordsAffected;
        }
        return rows;
    }

    public static async Task SuppressAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string regulationId, Identifier subject,
        IReadOnlyList<Identifier> identifiers, DateTimeOffset now, CancellationToken cancellationToken) =>
        await ExecuteAsync(connection, transaction, cancellationToken, Sql.Command("""
            INSERT INTO suppressions (type, value, subject_type, subject_value, regulation_id, suppressed_at)
            SELECT t, v, $3, $4, $5, $6 FROM unnest($1::text[], $2::text[]) AS s(t, v)
            ON CONFLICT DO NOTHING
            """,
            Sql.Value(identifiers.Select(i => i.Type).ToArray()), Sql.Value(identifiers.Select(i => i.Value).ToArray()),
            Sql.Value(subject.Type), Sql.Value(subject.Value), Sql.Value(regulationId), Sql.Value(Sql.Utc(now))));

    /// <summary>Lifts every suppression a subject caused; returns the identifiers accepted again.</summary>
    public static async Task<IReadOnlyList<Identifier>> UnsuppressAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Identifier subject, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            DELETE FROM suppressions WHERE (subject_type = $1 AND subject_value = $2) OR (type = $1 AND value = $2) RETURNING type, value
            """, connection, transaction);
        command.Parameters.Add(Sql.Value(subject.Type));
        command.Parameters.Add(Sql.Value(subject.Value));
        var lifted = new List<Identifier>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            lifted.Add(new Identifier(reader.GetString(0), reader.GetString(1)));
        }
        return lifted;
    }

    /// <summary>A stable id for a subject no profile knows, so the other services can still report on it.</summary>
    public static Guid SubjectKey(Identifier subject)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"subject\u0001{subject.Type}\u0001{subject.Value}"));
        return new Guid(hash.AsSpan(0, 16));
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken, NpgsqlBatchCommand command)
    {
        await using var batch = new NpgsqlBatch(connection, transaction) { BatchCommands = { command } };
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }
}
