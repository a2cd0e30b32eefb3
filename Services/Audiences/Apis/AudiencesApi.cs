using System.Text.Json;
using Alle.Audiences.Batch;
using Alle.Audiences.Conditions;
using Alle.Audiences.Definitions;
using Alle.Audiences.Storage;
using Alle.Platform.Authentication;
using Alle.Platform.Sql;
using Alle.Platform.Workers;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Alle.Audiences.Apis;

/// <summary>Audience definitions: create, read, edit, delete, recompute, and previews of unsaved definitions.</summary>
internal static class AudiencesApi
{
    public const int MaxSample = 100;

    public static void MapAudiencesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/audiences").RequireAuthorization(AdminKeyAuthentication.Policy);
        api.MapGet("/", List);
        api.MapPost("/", Create);
        api.MapPost("/preview", Preview);
        api.MapGet("/{audience}", Get);
        api.MapPut("/{audience}", Update);
        api.MapDelete("/{audience}", Delete);
        api.MapPost("/{audience}/compute", Recompute);
    }

    private static async Task<Ok<AudienceList>> List(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var audiences = await connection.ListAsync($"{SelectAudience} ORDER BY a.key", ReadAudience, cancellationToken);
        return TypedResults.Ok(new AudienceList(audiences));
    }

    private static async Task<Results<Ok<AudienceResponse>, ProblemHttpResult>> Get(string audience, NpgsqlDataSource dataSource,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await FindAsync(connection, audience, cancellationToken) is { } found
            ? TypedResults.Ok(found)
            : NotFound(audience);
    }

    private static async Task<Results<Created<AudienceResponse>, ValidationProblem, ProblemHttpResult>> Create(
        AudienceRequest request, NpgsqlDataSource dataSource, CatalogCache catalogs, WorkSignal<ComputationWorker> computations, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await DefinitionKeys.LockCatalogAsync(connection, cancellationToken);
        var catalog = await catalogs.GetAsync(connection, cancellationToken);

        var errors = new ValidationErrors();
        DefinitionKeys.CheckKey(request.Key, errors);
        var condition = Validate(request, catalog, request.Key, errors);
        if (!errors.IsEmpty)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary(), title: "The audience definition is not valid.");
        }
        if (catalog.Audience(request.Key!) is not null)
        {
            return Problem(409, "Audience key in use", $"An audience with key \"{request.Key}\" exists; keys are unique and cannot be reused.");
        }

        var id = Guid.CreateVersion7();
        var now = clock.GetUtcNow();
        await connection.ExecuteAsync("""
            INSERT INTO audiences (id, key, name, description, condition, compute_requested_at, created_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $6, $6)
            """, cancellationToken, id, request.Key, request.Name!.Trim(), NpgsqlCommandExtensions.Text(request.Description), condition, now);
        await CatalogCache.BumpAsync(connection, cancellationToken);
        var created = (await FindAsync(connection, id.ToString(), cancellationToken))!;
        await transaction.CommitAsync(cancellationToken);
        computations.Notify();
        return TypedResults.Created($"/api/audiences/{id}", created);
    }

    private static async Task<Results<Ok<AudienceResponse>, ValidationProblem, ProblemHttpResult>> Update(
        string audience, AudienceRequest request, NpgsqlDataSource dataSource, CatalogCache catalogs, WorkSignal<ComputationWorker> computations,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await DefinitionKeys.LockCatalogAsync(connection, cancellationToken);
        if (await FindAsync(connection, audience, cancellationToken) is not { } existing)
        {
            return NotFound(audience);
        }
        var catalog = await catalogs.GetAsync(connection, cancellationToken);
        var errors = new ValidationErrors();
        if (request.Key is not null && request.Key != existing.Key)
        {
            errors.Add("$.key", "An audience's key cannot change; create a new audience instead.");
        }
        var condition = Validate(request, catalog, existing.Key, errors);
        if (!errors.IsEmpty)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary(), title: "The audience definition is not valid.");
        }

        await connection.ExecuteAsync("""
            UPDATE audiences SET name = $2, description = $3, condition = $4, compute_requested_at = $5, updated_at = $5 WHERE id = $1
            """, cancellationToken, existing.Id, request.Name!.Trim(), NpgsqlCommandExtensions.Text(request.Description), condition, clock.GetUtcNow());
        await CatalogCache.BumpAsync(connection, cancellationToken);
        var updated = (await FindAsync(connection, existing.Id.ToString(), cancellationToken))!;
        await transaction.CommitAsync(cancellationToken);
        computations.Notify();
        return TypedResults.Ok(updated);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(
        string audience, NpgsqlDataSource dataSource, CatalogCache catalogs, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await DefinitionKeys.LockCatalogAsync(connection, cancellationToken);
        if (await FindAsync(connection, audience, cancellationToken) is not { } existing)
        {
            return NotFound(audience);
        }
        var catalog = await catalogs.GetAsync(connection, cancellationToken);
        var dependents = catalog.Audiences.Where(other => other.References.Audiences.Contains(existing.Key)).Select(other => other.Key).ToList();
        if (dependents.Count > 0)
        {
            return Problem(409, "Audience in use", $"Audiences {string.Join(", ", dependents)} use this audience; change them first.");
        }
        await connection.LockDefinitionAsync(existing.Id, exclusive: true, cancellationToken);
        await connection.ExecuteAsync("DELETE FROM audiences WHERE id = $1", cancellationToken, existing.Id);
        await CatalogCache.BumpAsync(connection, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Accepted<AudienceResponse>, ProblemHttpResult>> Recompute(string audience, NpgsqlDataSource dataSource,
        WorkSignal<ComputationWorker> computations, TimeProvider clock, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (await FindAsync(connection, audience, cancellationToken) is not { } existing)
        {
            return NotFound(audience);
        }
        await connection.ExecuteAsync("UPDATE audiences SET compute_requested_at = $2 WHERE id = $1", cancellationToken, existing.Id, clock.GetUtcNow());
        computations.Notify();
        return TypedResults.Accepted($"/api/audiences/{existing.Id}", existing with { Status = "computing" });
    }

    /// <summary>Counts and samples the profiles an unsaved definition would hold right now, in SQL over all profiles.</summary>
    private static async Task<Results<Ok<PreviewResponse>, ValidationProblem>> Preview(PreviewRequest request, NpgsqlDataSource dataSource,
        CatalogCache catalogs, TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var sampleSize = request.SampleSize ?? 10;
        if (sampleSize is < 0 or > MaxSample)
        {
            errors.Add("$.sampleSize", $"The sample has 0 to {MaxSample} profiles.");
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var catalog = await catalogs.GetAsync(connection, cancellationToken);
        var parsed = request.Condition is { } json ? ConditionParser.Parse(json, "$.condition") : null;
        if (parsed is null)
        {
            errors.Add("$.condition", "A condition is required.");
        }
        else
        {
            errors.AddAll(parsed.Errors);
            if (parsed.IsValid)
            {
                catalog.CheckReferences(parsed, null, errors);
            }
        }
        if (!errors.IsEmpty || parsed?.Condition is not { } condition)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary(), title: "The audience definition is not valid.");
        }

        var now = clock.GetUtcNow();
        var preview = await AudiencePreview.RunAsync(connection, condition, catalog, now, sampleSize, cancellationToken);
        return TypedResults.Ok(new PreviewResponse(preview.Count, preview.KnownMembers, preview.SmsReachable,
            preview.Sample.Select(member => new ProfileSample(member.ProfileId, member.UserId)).ToList(), preview.ElapsedMilliseconds, now));
    }

    private static JsonElement? Validate(AudienceRequest request, Catalog catalog, string? ownKey, ValidationErrors errors)
    {
        DefinitionKeys.CheckName(request.Name, errors);
        DefinitionKeys.CheckDescription(request.Description, errors);
        if (request.Condition is not { } condition)
        {
            errors.Add("$.condition", "A condition is required.");
            return null;
        }
        var parsed = ConditionParser.Parse(condition, "$.condition");
        errors.AddAll(parsed.Errors);
        if (parsed.IsValid)
        {
            catalog.CheckReferences(parsed, ownKey, errors);
        }
        return condition;
    }

    private const string SelectAudience = """
        SELECT a.id, a.key, a.name, a.description, a.condition::text, a.compute_requested_at, a.computed_at, a.created_at, a.updated_at,
               (SELECT count(*) FROM memberships m WHERE m.audience_id = a.id)
        FROM audiences a
        """;

    private static AudienceResponse ReadAudience(NpgsqlDataReader reader) => new(
        reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.NullableString(3), reader.Json(4), reader.GetInt64(9),
        reader.IsDBNull(5) ? "ready" : "computing", reader.NullableInstant(6), reader.Instant(7), reader.Instant(8));

    /// <summary>Finds an audience by id or by key.</summary>
    public static async Task<AudienceResponse?> FindAsync(NpgsqlConnection connection, string audience, CancellationToken cancellationToken)
    {
        var found = Guid.TryParse(audience, out var id)
            ? await connection.ListAsync($"{SelectAudience} WHERE a.id = $1", ReadAudience, cancellationToken, id)
            : await connection.ListAsync($"{SelectAudience} WHERE a.key = $1", ReadAudience, cancellationToken, audience);
        return found.Count == 0 ? null : found[0];
    }

    public static ProblemHttpResult NotFound(string audience) =>
        Problem(404, "Audience not found", $"There is no audience with id or key \"{audience}\".");

    public static ProblemHttpResult Problem(int status, string title, string detail) => TypedResults.Problem(detail, statusCode: status, title: title);
}

internal sealed record AudienceRequest(string? Key, string? Name, string? Description, JsonElement? Condition);

internal sealed record AudienceResponse(
    Guid Id,
    string Key,
    string Name,
    string? Description,
    JsonElement Condition,
    long Size,
    string Status,
    DateTimeOffset? ComputedAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

internal sealed record AudienceList(IReadOnlyList<AudienceResponse> Data);

internal sealed record PreviewRequest(JsonElement? Condition, int? SampleSize);

/// <summary>How many profiles the condition selects now; of them, how many are known members and how many can be texted marketing now.</summary>
internal sealed record PreviewResponse(long Count, long KnownMembers, long SmsReachable, IReadOnlyList<ProfileSample> Sample, long ElapsedMilliseconds,
    DateTimeOffset EvaluatedAt);

internal sealed record ProfileSample(Guid ProfileId, string? UserId);
