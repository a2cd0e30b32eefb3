using System.Text.Json;
using Alle.Audiences.Batch;
using Alle.Audiences.ComputedTraits;
using Alle.Audiences.Conditions;
using Alle.Audiences.Definitions;
using Alle.Audiences.Storage;
using Alle.Platform.Authentication;
using Alle.Platform.Sql;
using Alle.Platform.Workers;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Alle.Audiences.Apis;

/// <summary>Computed traits: definitions (backfilled over existing profiles when saved) and their values per profile.</summary>
internal static class ComputedTraitsApi
{
    public static void MapComputedTraitsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/audiences/computed-traits").RequireAuthorization(AdminKeyAuthentication.Policy);
        api.MapGet("/", List).WithSummary("List computed traits");
        api.MapPost("/", Create).WithSummary("Create a computed trait");
        api.MapGet("/{trait}", Get).WithSummary("One computed trait");
        api.MapPut("/{trait}", Update).WithSummary("Change a computed trait's definition");
        api.MapDelete("/{trait}", Delete).WithSummary("Delete a computed trait");
        api.MapGet("/{trait}/values", Values).WithSummary("A computed trait's values per profile");
    }

    private static async Task<Ok<ComputedTraitList>> List(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return TypedResults.Ok(new ComputedTraitList(await connection.ListAsync($"{SelectTrait} ORDER BY t.key", ReadTrait, cancellationToken)));
    }

    private static async Task<Results<Ok<ComputedTraitResponse>, ProblemHttpResult>> Get(string trait, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await FindAsync(connection, trait, cancellationToken) is { } found ? TypedResults.Ok(found) : NotFound(trait);
    }

    private static async Task<Results<Created<ComputedTraitResponse>, ValidationProblem, ProblemHttpResult>> Create(ComputedTraitRequest request,
        NpgsqlDataSource dataSource, CatalogCache catalogs, WorkSignal<ComputationWorker> computations, TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        DefinitionKeys.CheckTraitKey(request.Key, errors);
        Validate(request, errors);
        if (!errors.IsEmpty)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary(), title: "The computed trait is not valid.");
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await DefinitionKeys.LockCatalogAsync(connection, cancellationToken);
        if ((await catalogs.GetAsync(connection, cancellationToken)).ComputedTraitByKey(request.Key!) is not null)
        {
            return AudiencesApi.Problem(409, "Computed trait key in use", $"A computed trait with key \"{request.Key}\" exists.");
        }
        var id = Guid.CreateVersion7();
        var now = clock.GetUtcNow();
        await connection.ExecuteAsync("""
            INSERT INTO computed_traits (id, key, name, description, definition, backfill_requested_at, created_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $6, $6)
            """, cancellationToken, id, request.Key, request.Name!.Trim(), NpgsqlCommandExtensions.Text(request.Description), request.Definition!.Value, now);
        await CatalogCache.BumpAsync(connection, cancellationToken);
        var created = (await FindAsync(connection, id.ToString(), cancellationToken))!;
        await transaction.CommitAsync(cancellationToken);
        computations.Notify();
        return TypedResults.Created($"/api/audiences/computed-traits/{id}", created);
    }

    private static async Task<Results<Ok<ComputedTraitResponse>, ValidationProblem, ProblemHttpResult>> Update(string trait, ComputedTraitRequest request,
        NpgsqlDataSource dataSource, WorkSignal<ComputationWorker> computations, TimeProvider clock, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await DefinitionKeys.LockCatalogAsync(connection, cancellationToken);
        if (await FindAsync(connection, trait, cancellationToken) is not { } existing)
        {
            return NotFound(trait);
        }
        var errors = new ValidationErrors();
        if (request.Key is not null && request.Key != existing.Key)
        {
            errors.Add("$.key", "A computed trait's key is the trait name on profiles and cannot change.");
        }
        Validate(request, errors);
        if (!errors.IsEmpty)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary(), title: "The computed trait is not valid.");
        }
        await connection.ExecuteAsync("""
            UPDATE computed_traits SET name = $2, description = $3, definition = $4, backfill_requested_at = $5, updated_at = $5 WHERE id = $1
            """, cancellationToken, existing.Id, request.Name!.Trim(), NpgsqlCommandExtensions.Text(request.Description), request.Definition!.Value, clock.GetUtcNow());
        await CatalogCache.BumpAsync(connection, cancellationToken);
        var updated = (await FindAsync(connection, existing.Id.ToString(), cancellationToken))!;
        await transaction.CommitAsync(cancellationToken);
        computations.Notify();
        return TypedResults.Ok(updated);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(string trait, NpgsqlDataSource dataSource, CatalogCache catalogs,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await DefinitionKeys.LockCatalogAsync(connection, cancellationToken);
        if (await FindAsync(connection, trait, cancellationToken) is not { } existing)
        {
            return NotFound(trait);
        }
        var users = (await catalogs.GetAsync(connection, cancellationToken)).Audiences
            .Where(audience => audience.References.ComputedTraits.Contains(existing.Key)).Select(audience => audience.Key).ToList();
        if (users.Count > 0)
        {
            return AudiencesApi.Problem(409, "Computed trait in use", $"Audiences {string.Join(", ", users)} use this computed trait; change them first.");
        }
        await connection.LockDefinitionAsync(existing.Id, exclusive: true, cancellationToken);
        await connection.ExecuteAsync("DELETE FROM computed_traits WHERE id = $1", cancellationToken, existing.Id);
        await CatalogCache.BumpAsync(connection, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<ComputedValuesPage>, ProblemHttpResult>> Values(string trait, NpgsqlDataSource dataSource,
        CancellationToken cancellationToken, int limit = 100, Guid? after = null)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (await FindAsync(connection, trait, cancellationToken) is not { } existing)
        {
            return NotFound(trait);
        }
        limit = Math.Clamp(limit, 1, 500);
        var values = await connection.ListAsync("""
            SELECT c.profile_id, p.user_id, c.value::text, c.updated_at FROM computed_values c JOIN profiles p ON p.profile_id = c.profile_id
            WHERE c.trait_id = $1 AND c.profile_id > $2 AND jsonb_typeof(c.value) <> 'null' ORDER BY c.profile_id LIMIT $3
            """, reader => new ComputedValue(reader.GetGuid(0), reader.NullableString(1), reader.Json(2), reader.Instant(3)),
            cancellationToken, existing.Id, after ?? Guid.Empty, limit + 1);
        var page = values.Take(limit).ToList();
        return TypedResults.Ok(new ComputedValuesPage(page, values.Count > limit ? page[^1].ProfileId : null));
    }

    private static void Validate(ComputedTraitRequest request, ValidationErrors errors)
    {
        DefinitionKeys.CheckName(request.Name, errors);
        DefinitionKeys.CheckDescription(request.Description, errors);
        if (request.Definition is not { } definition)
        {
            errors.Add("$.definition", "A definition is required: {\"kind\": \"counter\", \"event\": \"Provider Searched\", \"within\": \"30d\"}.");
            return;
        }
        ComputedTraitDefinition.Parse(definition, "$.definition", errors);
    }

    private const string SelectTrait = """
        SELECT t.id, t.key, t.name, t.description, t.definition::text, t.backfill_requested_at, t.backfilled_at, t.created_at, t.updated_at,
               (SELECT count(*) FROM computed_values c WHERE c.trait_id = t.id AND jsonb_typeof(c.value) <> 'null')
        FROM computed_traits t
        """;

    private static ComputedTraitResponse ReadTrait(NpgsqlDataReader reader) => new(
        reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.NullableString(3), reader.Json(4), reader.GetInt64(9),
        reader.IsDBNull(5) ? "ready" : "backfilling", reader.NullableInstant(6), reader.Instant(7), reader.Instant(8));

    private static async Task<ComputedTraitResponse?> FindAsync(NpgsqlConnection connection, string trait, CancellationToken cancellationToken)
    {
        var found = Guid.TryParse(trait, out var id)
            ? await connection.ListAsync($"{SelectTrait} WHERE t.id = $1", ReadTrait, cancellationToken, id)
            : await connection.ListAsync($"{SelectTrait} WHERE t.key = $1", ReadTrait, cancellationToken, trait);
        return found.Count == 0 ? null : found[0];
    }

    private static ProblemHttpResult NotFound(string trait) =>
        AudiencesApi.Problem(404, "Computed trait not found", $"There is no computed trait with id or key \"{trait}\".");
}

internal sealed record ComputedTraitRequest(string? Key, string? Name, string? Description, JsonElement? Definition);

internal sealed record ComputedTraitResponse(
    Guid Id,
    string Key,
    string Name,
    string? Description,
    JsonElement Definition,
    long Profiles,
    string Status,
    DateTimeOffset? BackfilledAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

internal sealed record ComputedTraitList(IReadOnlyList<ComputedTraitResponse> Data);

internal sealed record ComputedValue(Guid ProfileId, string? UserId, JsonElement Value, DateTimeOffset UpdatedAt);

internal sealed record ComputedValuesPage(IReadOnlyList<ComputedValue> Data, Guid? Next);
