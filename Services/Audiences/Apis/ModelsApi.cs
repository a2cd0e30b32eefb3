using Alle.Platform.Authorization;
using Alle.Audiences.Conditions;
using Alle.Audiences.Definitions;
using Alle.Audiences.ReverseEtl;
using Alle.Platform.Authentication;
using Alle.Platform.Workers;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Alle.Audiences.Apis;

/// <summary>
/// Reverse ETL models: a SELECT against the warehouse whose rows become traits (identify calls) or the members of a
/// custom audience; runs on a schedule or on demand, each run diffed against the previous result.
/// </summary>
internal static class ModelsApi
{
    public static void MapModelsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/audiences/models").RequirePermission(Permissions.ModelsWrite);
        api.MapGet("/", List).WithSummary("List reverse-ETL models");
        api.MapPost("/", Create).WithSummary("Create a reverse-ETL model (SQL over the warehouse, on a schedule)");
        api.MapGet("/{model}", Get).WithSummary("One reverse-ETL model");
        api.MapPut("/{model}", Update).WithSummary("Change a reverse-ETL model");
        api.MapDelete("/{model}", Delete).WithSummary("Delete a reverse-ETL model");
    }

    private static async Task<Ok<ModelList>> List(ModelStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok(new ModelList(await store.ListAsync(cancellationToken)));

    private static async Task<Results<Ok<ModelResponse>, ProblemHttpResult>> Get(string model, ModelStore store, CancellationToken cancellationToken) =>
        await store.GetAsync(model, cancellationToken) is { } found ? TypedResults.Ok(found) : NotFound(model);

    private static async Task<Results<Created<ModelResponse>, ValidationProblem, ProblemHttpResult>> Create(ModelRequest request,
        ModelStore store, ModelValidator validator, CatalogCache catalogs, WorkSignal<ReverseEtlWorker> runs, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        DefinitionKeys.CheckKey(request.Key, errors);
        if (request.Audience is { } audience)
        {
            DefinitionKeys.CheckKey(audience.Key, errors, "$.audience.key");
            DefinitionKeys.CheckName(audience.Name, errors, "$.audience.name");
        }
        await validator.ValidateAsync(request, errors, cancellationToken);
        if (!errors.IsEmpty)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary(), title: "The model is not valid.");
        }

        await using var edit = await store.BeginEditAsync(cancellationToken);
        var catalog = await edit.CatalogAsync(catalogs, cancellationToken);
        if (catalog.Model(request.Key!) is not null)
        {
            return AudiencesApi.Problem(409, "Model key in use", $"A model with key \"{request.Key}\" exists.");
        }
        if (request.Audience is { } custom && catalog.Audience(custom.Key!) is not null)
        {
            return AudiencesApi.Problem(409, "Audience key in use", $"An audience with key \"{custom.Key}\" exists.");
        }
        var created = await store.CreateAsync(edit, request, clock.GetUtcNow(), cancellationToken);
        await edit.CommitAsync(cancellationToken);
        runs.Notify();
        return TypedResults.Created($"/api/audiences/models/{created.Id}", created);
    }

    private static async Task<Results<Ok<ModelResponse>, ValidationProblem, ProblemHttpResult>> Update(string model, ModelRequest request,
        ModelStore store, ModelValidator validator, TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (request.Audience is not null)
        {
            errors.Add("$.audience", "A custom audience is created with its model; edit the audience itself afterwards.");
        }
        await validator.ValidateAsync(request, errors, cancellationToken);
        await using var edit = await store.BeginEditAsync(cancellationToken);
        if (await store.FindForUpdateAsync(edit, model, cancellationToken) is not { } existing)
        {
            return NotFound(model);
        }
        if (request.Key is not null && request.Key != existing.Key)
        {
            errors.Add("$.key", "A model's key cannot change.");
        }
        if (request.IdentifierType is not null && request.IdentifierType != ProfileIdentifiers.NameOf(existing.Mapping.IdentifierType))
        {
            errors.Add("$.identifierType", "A model's identifier type cannot change: its synced rows are keyed by it. Create a new model instead.");
        }
        if (!errors.IsEmpty)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary(), title: "The model is not valid.");
        }
        var updated = await store.UpdateAsync(edit, existing.Id, request, clock.GetUtcNow(), cancellationToken);
        await edit.CommitAsync(cancellationToken);
        return TypedResults.Ok(updated);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(string model, ModelStore store, CatalogCache catalogs,
        CancellationToken cancellationToken)
    {
        await using var edit = await store.BeginEditAsync(cancellationToken);
        if (await store.FindForUpdateAsync(edit, model, cancellationToken) is not { } existing)
        {
            return NotFound(model);
        }
        var users = (await edit.CatalogAsync(catalogs, cancellationToken)).Audiences
            .Where(audience => audience.References.Models.Contains(existing.Key)).Select(audience => audience.Key).ToList();
        if (users.Count > 0)
        {
            return AudiencesApi.Problem(409, "Model in use", $"Audiences {string.Join(", ", users)} use this model; delete or change them first.");
        }
        await store.DeleteAsync(edit, existing.Id, cancellationToken);
        await edit.CommitAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    public static ProblemHttpResult NotFound(string model) => AudiencesApi.Problem(404, "Model not found", $"There is no model with id or key \"{model}\".");
}

internal sealed record ModelRequest(
    string? Key,
    string? Name,
    string? Description,
    string? Query,
    string? IdentifierColumn,
    string? IdentifierType,
    Dictionary<string, string>? TraitColumns,
    CustomAudienceRequest? Audience,
    string? Schedule,
    int? TimeoutSeconds,
    bool? Enabled);

internal sealed record CustomAudienceRequest(string? Key, string? Name);

internal sealed record ModelResponse(
    Guid Id,
    string Key,
    string Name,
    string? Description,
    string Query,
    string IdentifierColumn,
    string IdentifierType,
    IReadOnlyDictionary<string, string> TraitColumns,
    string? Schedule,
    int TimeoutSeconds,
    bool Enabled,
    DateTimeOffset? NextRunAt,
    long Rows,
    RunResponse? LastRun,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

internal sealed record ModelList(IReadOnlyList<ModelResponse> Data);
