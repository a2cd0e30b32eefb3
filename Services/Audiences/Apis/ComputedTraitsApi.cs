using Alle.Platform.Authorization;
using System.Text.Json;
using Alle.Audiences.Batch;
using Alle.Audiences.ComputedTraits;
using Alle.Audiences.Conditions;
using Alle.Audiences.Definitions;
using Alle.Platform.Authentication;
using Alle.Platform.Workers;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Alle.Audiences.Apis;

/// <summary>Computed traits: definitions (backfilled over existing profiles when saved) and their values per profile.</summary>
internal static class ComputedTraitsApi
{
    public static void MapComputedTraitsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/audiences/computed-traits").RequirePermission(Permissions.AudiencesWrite);
        api.MapGet("/", List).WithSummary("List computed traits");
        api.MapPost("/", Create).WithSummary("Create a computed trait");
        api.MapGet("/{trait}", Get).WithSummary("One computed trait");
        api.MapPut("/{trait}", Update).WithSummary("Change a computed trait's definition");
        api.MapDelete("/{trait}", Delete).WithSummary("Delete a computed trait");
        api.MapGet("/{trait}/values", Values).WithSummary("A computed trait's values per profile");
    }

    private static async Task<Ok<ComputedTraitList>> List(ComputedTraitStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok(new ComputedTraitList(await store.ListAsync(cancellationToken)));

    private static async Task<Results<Ok<ComputedTraitResponse>, ProblemHttpResult>> Get(string trait, ComputedTraitStore store, CancellationToken cancellationToken) =>
        await store.FindAsync(trait, cancellationToken) is { } found ? TypedResults.Ok(found) : NotFound(trait);

    private static async Task<Results<Created<ComputedTraitResponse>, ValidationProblem, ProblemHttpResult>> Create(ComputedTraitRequest request,
        ComputedTraitStore store, CatalogCache catalogs, WorkSignal<ComputationWorker> computations, TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        DefinitionKeys.CheckTraitKey(request.Key, errors);
        Validate(request, errors);
        if (!errors.IsEmpty)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary(), title: "The computed trait is not valid.");
        }
        await using var edit = await store.BeginEditAsync(cancellationToken);
        if ((await edit.CatalogAsync(catalogs, cancellationToken)).ComputedTraitByKey(request.Key!) is not null)
        {
            return AudiencesApi.Problem(409, "Computed trait key in use", $"A computed trait with key \"{request.Key}\" exists.");
        }
        var created = await store.CreateAsync(edit, request.Key!, request.Name!.Trim(), request.Description, request.Definition!.Value, clock.GetUtcNow(),
            cancellationToken);
        await edit.CommitAsync(cancellationToken);
        computations.Notify();
        return TypedResults.Created($"/api/audiences/computed-traits/{created.Id}", created);
    }

    private static async Task<Results<Ok<ComputedTraitResponse>, ValidationProblem, ProblemHttpResult>> Update(string trait, ComputedTraitRequest request,
        ComputedTraitStore store, WorkSignal<ComputationWorker> computations, TimeProvider clock, CancellationToken cancellationToken)
    {
        await using var edit = await store.BeginEditAsync(cancellationToken);
        if (await store.FindAsync(edit, trait, cancellationToken) is not { } existing)
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
        var updated = await store.UpdateAsync(edit, existing.Id, request.Name!.Trim(), request.Description, request.Definition!.Value, clock.GetUtcNow(),
            cancellationToken);
        await edit.CommitAsync(cancellationToken);
        computations.Notify();
        return TypedResults.Ok(updated);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(string trait, ComputedTraitStore store, CatalogCache catalogs,
        CancellationToken cancellationToken)
    {
        await using var edit = await store.BeginEditAsync(cancellationToken);
        if (await store.FindAsync(edit, trait, cancellationToken) is not { } existing)
        {
            return NotFound(trait);
        }
        var users = (await edit.CatalogAsync(catalogs, cancellationToken)).Audiences
            .Where(audience => audience.References.ComputedTraits.Contains(existing.Key)).Select(audience => audience.Key).ToList();
        if (users.Count > 0)
        {
            return AudiencesApi.Problem(409, "Computed trait in use", $"Audiences {string.Join(", ", users)} use this computed trait; change them first.");
        }
        await store.DeleteAsync(edit, existing.Id, cancellationToken);
        await edit.CommitAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<ComputedValuesPage>, ProblemHttpResult>> Values(string trait, ComputedTraitStore store,
        CancellationToken cancellationToken, int limit = 100, Guid? after = null)
    {
        if (await store.FindAsync(trait, cancellationToken) is not { } existing)
        {
            return NotFound(trait);
        }
        limit = Math.Clamp(limit, 1, 500);
        var values = await store.ValuesAsync(existing.Id, after ?? Guid.Empty, limit, cancellationToken);
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
