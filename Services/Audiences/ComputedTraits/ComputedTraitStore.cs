using System.Text.Json;
using Alle.Audiences.Apis;
using Alle.Audiences.Definitions;
using Alle.Platform.Sql;
using Npgsql;

namespace Alle.Audiences.ComputedTraits;

/// <summary>Computed trait definitions as stored, with their backfill status, and their values per profile.</summary>
internal sealed class ComputedTraitStore(NpgsqlDataSource dataSource)
{
    private const string SelectTrait = """
        SELECT t.id, t.key, t.name, t.description, t.definition::text, t.backfill_requested_at, t.backfilled_at, t.created_at, t.updated_at,
               (SELECT count(*) FROM computed_values c WHERE c.trait_id = t.id AND jsonb_typeof(c.value) <> 'null')
        FROM computed_traits t
        """;

    public Task<DefinitionEdit> BeginEditAsync(CancellationToken cancellationToken) => DefinitionEdit.BeginAsync(dataSource, cancellationToken);

    public async Task<List<ComputedTraitResponse>> ListAsync(CancellationToken cancellationToken) =>
        await dataSource.ListAsync($"{SelectTrait} ORDER BY t.key", Read, cancellationToken);

    /// <summary>Finds a computed trait by id or by key.</summary>
    public async Task<ComputedTraitResponse?> FindAsync(string trait, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await FindAsync(connection, trait, cancellationToken);
    }

    public Task<ComputedTraitResponse?> FindAsync(DefinitionEdit edit, string trait, CancellationToken cancellationToken) =>
        FindAsync(edit.Connection, trait, cancellationToken);

    /// <summary>Saves a new computed trait, to be backfilled over existing profiles.</summary>
    public async Task<ComputedTraitResponse> CreateAsync(DefinitionEdit edit, string key, string name, string? description, JsonElement definition,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        var id = Guid.CreateVersion7();
        await edit.Connection.ExecuteAsync("""
            INSERT INTO computed_traits (id, key, name, description, definition, backfill_requested_at, created_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $6, $6)
            """, cancellationToken, id, key, name, Sql.Text(description), definition, now);
        await edit.CatalogChangedAsync(cancellationToken);
        return (await FindAsync(edit.Connection, id.ToString(), cancellationToken))!;
    }

    /// <summary>Saves a new definition, to be backfilled again.</summary>
    public async Task<ComputedTraitResponse> UpdateAsync(DefinitionEdit edit, Guid id, string name, string? description, JsonElement definition,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        await edit.Connection.ExecuteAsync("""
            UPDATE computed_traits SET name = $2, description = $3, definition = $4, backfill_requested_at = $5, updated_at = $5 WHERE id = $1
            """, cancellationToken, id, name, Sql.Text(description), definition, now);
        await edit.CatalogChangedAsync(cancellationToken);
        return (await FindAsync(edit.Connection, id.ToString(), cancellationToken))!;
    }

    public async Task DeleteAsync(DefinitionEdit edit, Guid id, CancellationToken cancellationToken)
    {
        await edit.LockDefinitionAsync(id, cancellationToken);
        await edit.Connection.ExecuteAsync("DELETE FROM computed_traits WHERE id = $1", cancellationToken, id);
        await edit.CatalogChangedAsync(cancellationToken);
    }

    /// <summary>Non-null values of the trait, in profile id order after <paramref name="after"/>: one more than <paramref name="limit"/> when more follow.</summary>
    public async Task<List<ComputedValue>> ValuesAsync(Guid traitId, Guid after, int limit, CancellationToken cancellationToken) =>
        await dataSource.ListAsync("""
            SELECT c.profile_id, p.user_id, c.value::text, c.updated_at FROM computed_values c JOIN profiles p ON p.profile_id = c.profile_id
            WHERE c.trait_id = $1 AND c.profile_id > $2 AND jsonb_typeof(c.value) <> 'null' ORDER BY c.profile_id LIMIT $3
            """, reader => new ComputedValue(reader.GetGuid(0), reader.NullableString(1), reader.Json(2), reader.Instant(3)),
            cancellationToken, traitId, after, limit + 1);

    private static async Task<ComputedTraitResponse?> FindAsync(NpgsqlConnection connection, string trait, CancellationToken cancellationToken)
    {
        var found = Guid.TryParse(trait, out var id)
            ? await connection.ListAsync($"{SelectTrait} WHERE t.id = $1", Read, cancellationToken, id)
            : await connection.ListAsync($"{SelectTrait} WHERE t.key = $1", Read, cancellationToken, trait);
        return found.Count == 0 ? null : found[0];
    }

    private static ComputedTraitResponse Read(NpgsqlDataReader reader) => new(
        reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.NullableString(3), reader.Json(4), reader.GetInt64(9),
        reader.IsDBNull(5) ? "ready" : "backfilling", reader.NullableInstant(6), reader.Instant(7), reader.Instant(8));
}
