using System.Text.Json;
using Alle.Audiences.Conditions;
using Alle.Audiences.Definitions;
using Alle.Audiences.ReverseEtl;
using Alle.Platform.Authentication;
using Alle.Platform.Sql;
using Alle.Platform.Workers;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Alle.Audiences.Apis;

/// <summary>
/// Reverse ETL models: a SELECT against the warehouse whose rows become traits (identify calls) or the members of a
/// custom audience; runs on a schedule or on demand, each run diffed against the previous result.
/// </summary>
internal static class ModelsApi
{
    public static void MapModelsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/audiences/models").RequireAuthorization(AdminKeyAuthentication.Policy);
        api.MapGet("/", List).WithSummary("List reverse-ETL models");
        api.MapPost("/", Create).WithSummary("Create a reverse-ETL model (SQL over the warehouse, on a schedule)");
        api.MapGet("/{model}", Get).WithSummary("One reverse-ETL model");
        api.MapPut("/{model}", Update).WithSummary("Change a reverse-ETL model");
        api.MapDelete("/{model}", Delete).WithSummary("Delete a reverse-ETL model");
    }

    private static async Task<Ok<ModelList>> List(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var models = await connection.ListAsync($"{ModelDefinitionRow.Select} ORDER BY key", ModelDefinitionRow.Read, cancellationToken);
        var responses = new List<ModelResponse>();
        foreach (var model in models)
        {
            responses.Add(await RespondAsync(connection, model, cancellationToken));
        }
        return TypedResults.Ok(new ModelList(responses));
    }

    private static async Task<Results<Ok<ModelResponse>, ProblemHttpResult>> Get(string model, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await ModelDefinitionRow.FindAsync(connection, model, cancellationToken) is { } found
            ? TypedResults.Ok(await RespondAsync(connection, found, cancellationToken))
            : NotFound(model);
    }

    private static async Task<Results<Created<ModelResponse>, ValidationProblem, ProblemHttpResult>> Create(ModelRequest request,
        NpgsqlDataSource dataSource, ModelValidator validator, CatalogCache catalogs, WorkSignal<ReverseEtlWorker> runs, TimeProvider clock,
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

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await DefinitionKeys.LockCatalogAsync(connection, cancellationToken);
        var catalog = await catalogs.GetAsync(connection, cancellationToken);
        if (catalog.Model(request.Key!) is not null)
        {
            return AudiencesApi.Problem(409, "Model key in use", $"A model with key \"{request.Key}\" exists.");
        }
        if (request.Audience is { } custom && catalog.Audience(custom.Key!) is not null)
        {
            return AudiencesApi.Problem(409, "Audience key in use", $"An audience with key \"{custom.Key}\" exists.");
        }
        var id = Guid.CreateVersion7();
        var now = clock.GetUtcNow();
        await connection.ExecuteAsync("""
            INSERT INTO etl_models (id, key, name, description, query, identifier_column, identifier_type, trait_columns, schedule, timeout_seconds,
                                    enabled, next_run_at, created_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)
            """, cancellationToken, id, request.Key, request.Name!.Trim(), NpgsqlCommandExtensions.Text(request.Description), request.Query,
            request.IdentifierColumn, request.IdentifierType, NpgsqlCommandExtensions.Jsonb(JsonSerializer.Serialize(request.TraitColumns ?? [])),
            NpgsqlCommandExtensions.Text(request.Schedule), request.TimeoutSeconds ?? ModelValidator.DefaultTimeoutSeconds, request.Enabled ?? true,
            (request.Enabled ?? true) ? ModelSchedule.Next(request.Schedule, now) : null, now);
        if (request.Audience is { } feeds)
        {
            // A custom audience: its members are the people in the model's latest result.
            await connection.ExecuteAsync("""
                INSERT INTO audiences (id, key, name, description, condition, compute_requested_at, created_at, updated_at)
                VALUES ($1, $2, $3, $4, $5, $6, $6, $6)
                """, cancellationToken, Guid.CreateVersion7(), feeds.Key, feeds.Name!.Trim(), $"The people in the latest result of model {request.Key}.",
                NpgsqlCommandExtensions.Jsonb(JsonSerializer.Serialize(new { model = request.Key })), now);
        }
        await connection.ExecuteAsync("INSERT INTO etl_runs (id, model_id, trigger, status, queued_at) VALUES ($1, $2, 'manual', 'queued', $3)",
            cancellationToken, Guid.CreateVersion7(), id, now);
        await CatalogCache.BumpAsync(connection, cancellationToken);
        var created = (await ModelDefinitionRow.FindAsync(connection, id.ToString(), cancellationToken))!;
        var response = await RespondAsync(connection, created, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        runs.Notify();
        return TypedResults.Created($"/api/audiences/models/{id}", response);
    }

    private static async Task<Results<Ok<ModelResponse>, ValidationProblem, ProblemHttpResult>> Update(string model, ModelRequest request,
        NpgsqlDataSource dataSource, ModelValidator validator, TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (request.Audience is not null)
        {
            errors.Add("$.audience", "A custom audience is created with its model; edit the audience itself afterwards.");
        }
        await validator.ValidateAsync(request, errors, cancellationToken);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await DefinitionKeys.LockCatalogAsync(connection, cancellationToken);
        if (await ModelDefinitionRow.FindAsync(connection, model, cancellationToken, forUpdate: true) is not { } existing)
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
        var now = clock.GetUtcNow();
        await connection.ExecuteAsync("""
            UPDATE etl_models SET name = $2, description = $3, query = $4, identifier_column = $5, trait_columns = $6, schedule = $7,
                   timeout_seconds = $8, enabled = $9, next_run_at = $10, updated_at = $11
            WHERE id = $1
            """, cancellationToken, existing.Id, request.Name!.Trim(), NpgsqlCommandExtensions.Text(request.Description), request.Query,
            request.IdentifierColumn, NpgsqlCommandExtensions.Jsonb(JsonSerializer.Serialize(request.TraitColumns ?? [])),
            NpgsqlCommandExtensions.Text(request.Schedule), request.TimeoutSeconds ?? ModelValidator.DefaultTimeoutSeconds, request.Enabled ?? true,
            (request.Enabled ?? true) ? ModelSchedule.Next(request.Schedule, now) : null, now);
        var updated = (await ModelDefinitionRow.FindAsync(connection, existing.Id.ToString(), cancellationToken))!;
        var response = await RespondAsync(connection, updated, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok(response);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(string model, NpgsqlDataSource dataSource, CatalogCache catalogs,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await DefinitionKeys.LockCatalogAsync(connection, cancellationToken);
        if (await ModelDefinitionRow.FindAsync(connection, model, cancellationToken, forUpdate: true) is not { } existing)
        {
            return NotFound(model);
        }
        var users = (await catalogs.GetAsync(connection, cancellationToken)).Audiences
            .Where(audience => audience.References.Models.Contains(existing.Key)).Select(audience => audience.Key).ToList();
        if (users.Count > 0)
        {
            return AudiencesApi.Problem(409, "Model in use", $"Audiences {string.Join(", ", users)} use this model; delete or change them first.");
        }
        await connection.ExecuteAsync("DELETE FROM etl_models WHERE id = $1", cancellationToken, existing.Id);
        await CatalogCache.BumpAsync(connection, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<ModelResponse> RespondAsync(NpgsqlConnection connection, ModelDefinitionRow model, CancellationToken cancellationToken)
    {
        var lastRun = await connection.ListAsync($"{ModelRunsApi.SelectRun} WHERE model_id = $1 ORDER BY queued_at DESC LIMIT 1", ModelRunsApi.ReadRun, cancellationToken, model.Id);
        var rows = await connection.ScalarAsync<long>("SELECT count(*) FROM etl_model_rows WHERE model_id = $1", cancellationToken, model.Id);
        return new ModelResponse(model.Id, model.Key, model.Name, model.Description, model.Query, model.Mapping.IdentifierColumn,
            ProfileIdentifiers.NameOf(model.Mapping.IdentifierType), model.Mapping.TraitColumns, model.Schedule, model.TimeoutSeconds, model.Enabled,
            model.NextRunAt, rows, lastRun.Count == 1 ? lastRun[0] : null, model.CreatedAt, model.UpdatedAt);
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
