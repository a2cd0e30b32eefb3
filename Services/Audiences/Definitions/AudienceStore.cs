using System.Text.Json;
using Alle.Audiences.Apis;
using Alle.Audiences.Batch;
using Alle.Audiences.Conditions;
using Alle.Platform.Sql;
using Npgsql;

namespace Alle.Audiences.Definitions;

/// <summary>Audience definitions as stored, with their size and computation status.</summary>
internal sealed class AudienceStore(NpgsqlDataSource dataSource, CatalogCache catalogs)
{
    private const string SelectAudience = """
        SELECT a.id, a.key, a.name, a.description, a.condition::text, a.compute_requested_at, a.computed_at, a.created_at, a.updated_at,
               (SELECT count(*) FROM memberships m WHERE m.audience_id = a.id), a.known_members_only
        FROM audiences a
        """;

    public Task<DefinitionEdit> BeginEditAsync(CancellationToken cancellationToken) => DefinitionEdit.BeginAsync(dataSource, cancellationToken);

    public async Task<List<AudienceResponse>> ListAsync(CancellationToken cancellationToken) =>
        await dataSource.ListAsync($"{SelectAudience} ORDER BY a.key", Read, cancellationToken);

    /// <summary>Finds an audience by id or by key.</summary>
    public async Task<AudienceResponse?> FindAsync(string audience, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await FindAsync(connection, audience, cancellationToken);
    }

    public Task<AudienceResponse?> FindAsync(DefinitionEdit edit, string audience, CancellationToken cancellationToken) =>
        FindAsync(edit.Connection, audience, cancellationToken);

    public async Task<AudienceResponse> CreateAsync(DefinitionEdit edit, string key, string name, string? description, JsonElement? condition,
        bool knownMembersOnly, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var id = Guid.CreateVersion7();
        await edit.Connection.ExecuteAsync("""
            INSERT INTO audiences (id, key, name, description, condition, known_members_only, compute_requested_at, created_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $7)
            """, cancellationToken, id, key, name, Sql.Text(description), condition, knownMembersOnly, now);
        await edit.CatalogChangedAsync(cancellationToken);
        return (await FindAsync(edit.Connection, id.ToString(), cancellationToken))!;
    }

    /// <summary>Saves a new definition and asks for it to be computed again.</summary>
    public async Task<AudienceResponse> UpdateAsync(DefinitionEdit edit, Guid id, string name, string? description, JsonElement? condition,
        bool knownMembersOnly, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await edit.Connection.ExecuteAsync("""
            UPDATE audiences SET name = $2, description = $3, condition = $4, known_members_only = $5, compute_requested_at = $6, updated_at = $6
            WHERE id = $1
            """, cancellationToken, id, name, Sql.Text(description), condition, knownMembersOnly, now);
        await edit.CatalogChangedAsync(cancellationToken);
        return (await FindAsync(edit.Connection, id.ToString(), cancellationToken))!;
    }

    /// <summary>Every member exits (announced and tracked as any exit, reason <c>deleted</c>), then the audience is deleted.</summary>
    public async Task<long> DeleteAsync(DefinitionEdit edit, AudienceResponse audience, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await edit.LockDefinitionAsync(audience.Id, cancellationToken);
        var exited = await AudienceComputation.ExitEveryoneAsync(edit.Connection, audience.Id, audience.Key, audience.Name, now, "deleted", cancellationToken);
        await edit.Connection.ExecuteAsync("DELETE FROM audiences WHERE id = $1", cancellationToken, audience.Id);
        await edit.CatalogChangedAsync(cancellationToken);
        return exited;
    }

    /// <summary>Asks for a full computation of the audience; returns it as it was, or null when there is no such audience.</summary>
    public async Task<AudienceResponse?> RequestComputationAsync(string audience, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (await FindAsync(connection, audience, cancellationToken) is not { } existing)
        {
            return null;
        }
        await connection.ExecuteAsync("UPDATE audiences SET compute_requested_at = $2 WHERE id = $1", cancellationToken, existing.Id, now);
        return existing;
    }

    /// <summary>
    /// Counts and samples the profiles an unsaved definition would hold right now, in SQL over all profiles;
    /// <paramref name="validate"/> checks it against the current catalog first and returns null when it is not valid.
    /// </summary>
    public async Task<PreviewResult?> PreviewAsync(Func<Catalog, Condition?> validate, bool knownMembersOnly, int sampleSize, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var catalog = await catalogs.GetAsync(connection, cancellationToken);
        return validate(catalog) is { } condition
            ? await AudiencePreview.RunAsync(connection, KnownMembers.Restrict(condition, knownMembersOnly), catalog, now, sampleSize, cancellationToken)
            : null;
    }

    private static async Task<AudienceResponse?> FindAsync(NpgsqlConnection connection, string audience, CancellationToken cancellationToken)
    {
        var found = Guid.TryParse(audience, out var id)
            ? await connection.ListAsync($"{SelectAudience} WHERE a.id = $1", Read, cancellationToken, id)
            : await connection.ListAsync($"{SelectAudience} WHERE a.key = $1", Read, cancellationToken, audience);
        return found.Count == 0 ? null : found[0];
    }

    private static AudienceResponse Read(NpgsqlDataReader reader) => new(
        reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.NullableString(3), reader.Json(4), reader.GetBoolean(10), reader.GetInt64(9),
        reader.IsDBNull(5) ? "ready" : "computing", reader.NullableInstant(6), reader.Instant(7), reader.Instant(8));
}
