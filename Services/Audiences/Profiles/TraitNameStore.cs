using Alle.Platform.Sql;
using Npgsql;

namespace Alle.Audiences.Profiles;

/// <summary>A trait key as conditions see it, with the JSON types its values have and on how many of the profiles read.</summary>
internal sealed record TraitName(string Name, IReadOnlyList<string> Types, long Profiles);

/// <summary>The trait keys found on profiles, for pickers such as the audience builder's.</summary>
internal sealed class TraitNameStore(NpgsqlDataSource dataSource)
{
    /// <summary>Profiles read: the most recently updated, so the answer stays quick at a million profiles and shows new traits.</summary>
    public const int ProfilesRead = 20_000;

    public const int MaxNames = 500;

    public Task<List<TraitName>> ListAsync(CancellationToken cancellationToken) =>
        dataSource.ListAsync("""
            SELECT t.key, array_agg(DISTINCT jsonb_typeof(t.value) ORDER BY jsonb_typeof(t.value)), count(*)
            FROM (SELECT traits FROM profiles ORDER BY updated_at DESC LIMIT $1) p, jsonb_each(p.traits) t
            WHERE jsonb_typeof(t.value) <> 'null'
            GROUP BY t.key ORDER BY t.key LIMIT $2
            """, reader => new TraitName(reader.GetString(0), reader.GetFieldValue<string[]>(1), reader.GetInt64(2)), cancellationToken,
            ProfilesRead, MaxNames);
}
