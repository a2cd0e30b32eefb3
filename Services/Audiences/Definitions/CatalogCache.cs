using Alle.Audiences.ComputedTraits;
using Alle.Audiences.Conditions;
using Alle.Platform.Sql;
using Npgsql;

namespace Alle.Audiences.Definitions;

/// <summary>
/// The definitions, cached per process and reloaded when <c>catalog_version</c> moved (every change to a definition bumps
/// it in the same transaction), so all replicas see an edit on their next message.
/// </summary>
internal sealed class CatalogCache(ILogger<CatalogCache> logger)
{
    private Catalog _current = Catalog.Empty;

    public async Task<Catalog> GetAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var version = await connection.ScalarAsync<long>("SELECT version FROM catalog_version WHERE id = 1", cancellationToken);
        var current = Volatile.Read(ref _current);
        if (current.Version == version)
        {
            return current;
        }

        var audiences = await connection.ListAsync("SELECT id, key, name, condition::text, known_members_only FROM audiences",
            reader => (Id: reader.GetGuid(0), Key: reader.GetString(1), Name: reader.GetString(2), Condition: reader.GetString(3),
                KnownMembersOnly: reader.GetBoolean(4)), cancellationToken);
        var traits = await connection.ListAsync("SELECT id, key, name, definition::text FROM computed_traits",
            reader => (Id: reader.GetGuid(0), Key: reader.GetString(1), Name: reader.GetString(2), Definition: reader.GetString(3)), cancellationToken);
        var models = await connection.ListAsync("SELECT id, key, identifier_type FROM etl_models",
            reader => new ModelDefinition(reader.GetGuid(0), reader.GetString(1), ProfileIdentifiers.Names[reader.GetString(2)]), cancellationToken);

        var catalog = new Catalog(version,
            audiences.Select(row => ConditionParser.Parse(row.Condition) is { IsValid: true } parsed
                    ? new AudienceDefinition(row.Id, row.Key, row.Name, KnownMembers.Restrict(parsed.Condition!, row.KnownMembersOnly))
                    : Skip<AudienceDefinition>("audience", row.Id))
                .OfType<AudienceDefinition>(),
            traits.Select(row => ParseTrait(row.Definition) is { } definition
                    ? new ComputedTrait(row.Id, row.Key, row.Name, definition)
                    : Skip<ComputedTrait>("computed trait", row.Id))
                .OfType<ComputedTrait>(),
            models);
        Volatile.Write(ref _current, catalog);
        return catalog;
    }

    public static ComputedTraitDefinition? ParseTrait(string json)
    {
        using var document = System.Text.Json.JsonDocument.Parse(json);
        return ComputedTraitDefinition.Parse(document.RootElement, "$", new ValidationErrors());
    }

    private T? Skip<T>(string kind, Guid id) where T : class
    {
        // Definitions are validated before they are saved; one that no longer parses is left out rather than stopping evaluation.
        logger.LogError("The {Kind} {Id} has a definition that does not parse; it is not evaluated.", kind, id);
        return null;
    }

    /// <summary>Records that definitions changed, in the caller's transaction.</summary>
    public static Task BumpAsync(NpgsqlConnection connection, CancellationToken cancellationToken) =>
        connection.ExecuteAsync("UPDATE catalog_version SET version = version + 1 WHERE id = 1", cancellationToken);
}
