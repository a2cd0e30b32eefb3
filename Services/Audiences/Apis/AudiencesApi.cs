using Alle.Platform.Authorization;
using System.Text.Json;
using Alle.Audiences.Batch;
using Alle.Audiences.Conditions;
using Alle.Audiences.Definitions;
using Alle.Platform.Authentication;
using Alle.Platform.Outbox;
using Alle.Platform.Workers;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Alle.Audiences.Apis;

/// <summary>Audience definitions: create, read, edit, delete, recompute, and previews of unsaved definitions.</summary>
internal static class AudiencesApi
{
    public const int MaxSample = 100;

    public static void MapAudiencesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/audiences").RequirePermission(Permissions.AudiencesWrite);
        api.MapGet("/", List).WithSummary("List audiences with their sizes");
        api.MapPost("/", Create).WithSummary("Create an audience");
        api.MapPost("/preview", Preview).WithSummary("Preview an audience definition: size and sample, without saving");
        api.MapGet("/{audience}", Get).WithSummary("One audience");
        api.MapPut("/{audience}", Update).WithSummary("Change an audience's definition");
        api.MapDelete("/{audience}", Delete).WithSummary("Delete an audience (its members exit)");
        api.MapPost("/{audience}/compute", Recompute).WithSummary("Recompute an audience now");
    }

    private static async Task<Ok<AudienceList>> List(AudienceStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok(new AudienceList(await store.ListAsync(cancellationToken)));

    private static async Task<Results<Ok<AudienceResponse>, ProblemHttpResult>> Get(string audience, AudienceStore store,
        CancellationToken cancellationToken) =>
        await store.FindAsync(audience, cancellationToken) is { } found
            ? TypedResults.Ok(found)
            : NotFound(audience);

    private static async Task<Results<Created<AudienceResponse>, ValidationProblem, ProblemHttpResult>> Create(
        AudienceRequest request, AudienceStore store, CatalogCache catalogs, WorkSignal<ComputationWorker> computations, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        await using var edit = await store.BeginEditAsync(cancellationToken);
        var catalog = await edit.CatalogAsync(catalogs, cancellationToken);

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

        var created = await store.CreateAsync(edit, request.Key!, request.Name!.Trim(), request.Description, condition, request.KnownMembersOnly ?? false,
            clock.GetUtcNow(), cancellationToken);
        await edit.CommitAsync(cancellationToken);
        computations.Notify();
        return TypedResults.Created($"/api/audiences/{created.Id}", created);
    }

    private static async Task<Results<Ok<AudienceResponse>, ValidationProblem, ProblemHttpResult>> Update(
        string audience, AudienceRequest request, AudienceStore store, CatalogCache catalogs, WorkSignal<ComputationWorker> computations,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        await using var edit = await store.BeginEditAsync(cancellationToken);
        if (await store.FindAsync(edit, audience, cancellationToken) is not { } existing)
        {
            return NotFound(audience);
        }
        var catalog = await edit.CatalogAsync(catalogs, cancellationToken);
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

        var updated = await store.UpdateAsync(edit, existing.Id, request.Name!.Trim(), request.Description, condition,
            request.KnownMembersOnly ?? existing.KnownMembersOnly, clock.GetUtcNow(), cancellationToken);
        await edit.CommitAsync(cancellationToken);
        computations.Notify();
        return TypedResults.Ok(updated);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(
        string audience, AudienceStore store, CatalogCache catalogs, WorkSignal<OutboxRelay> outbox, TimeProvider clock, CancellationToken cancellationToken)
    {
        await using var edit = await store.BeginEditAsync(cancellationToken);
        if (await store.FindAsync(edit, audience, cancellationToken) is not { } existing)
        {
            return NotFound(audience);
        }
        var catalog = await edit.CatalogAsync(catalogs, cancellationToken);
        var dependents = catalog.Audiences.Where(other => other.References.Audiences.Contains(existing.Key)).Select(other => other.Key).ToList();
        if (dependents.Count > 0)
        {
            return Problem(409, "Audience in use", $"Audiences {string.Join(", ", dependents)} use this audience; change them first.");
        }
        await store.DeleteAsync(edit, existing, clock.GetUtcNow(), cancellationToken);
        await edit.CommitAsync(cancellationToken);
        outbox.Notify();
        return TypedResults.NoContent();
    }

    private static async Task<Results<Accepted<AudienceResponse>, ProblemHttpResult>> Recompute(string audience, AudienceStore store,
        WorkSignal<ComputationWorker> computations, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (await store.RequestComputationAsync(audience, clock.GetUtcNow(), cancellationToken) is not { } existing)
        {
            return NotFound(audience);
        }
        computations.Notify();
        return TypedResults.Accepted($"/api/audiences/{existing.Id}", existing with { Status = "computing" });
    }

    /// <summary>Counts and samples the profiles an unsaved definition would hold right now, in SQL over all profiles.</summary>
    private static async Task<Results<Ok<PreviewResponse>, ValidationProblem>> Preview(PreviewRequest request, AudienceStore store,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var sampleSize = request.SampleSize ?? 10;
        if (sampleSize is < 0 or > MaxSample)
        {
            errors.Add("$.sampleSize", $"The sample has 0 to {MaxSample} profiles.");
        }
        var now = clock.GetUtcNow();
        var preview = await store.PreviewAsync(catalog =>
        {
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
            return errors.IsEmpty ? parsed?.Condition : null;
        }, request.KnownMembersOnly ?? false, sampleSize, now, cancellationToken);
        if (preview is null)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary(), title: "The audience definition is not valid.");
        }
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

    public static ProblemHttpResult NotFound(string audience) =>
        Problem(404, "Audience not found", $"There is no audience with id or key \"{audience}\".");

    public static ProblemHttpResult Problem(int status, string title, string detail) => TypedResults.Problem(detail, statusCode: status, title: title);
}

/// <summary>An audience definition; <c>knownMembersOnly</c> keeps profiles without a user id out (left out on an update, it stays as it was).</summary>
internal sealed record AudienceRequest(string? Key, string? Name, string? Description, JsonElement? Condition, bool? KnownMembersOnly = null);

internal sealed record AudienceResponse(
    Guid Id,
    string Key,
    string Name,
    string? Description,
    JsonElement Condition,
    bool KnownMembersOnly,
    long Size,
    string Status,
    DateTimeOffset? ComputedAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

internal sealed record AudienceList(IReadOnlyList<AudienceResponse> Data);

internal sealed record PreviewRequest(JsonElement? Condition, int? SampleSize, bool? KnownMembersOnly = null);

/// <summary>How many profiles the condition selects now; of them, how many are known members and how many can be texted marketing now.</summary>
internal sealed record PreviewResponse(long Count, long KnownMembers, long SmsReachable, IReadOnlyList<ProfileSample> Sample, long ElapsedMilliseconds,
    DateTimeOffset EvaluatedAt);

internal sealed record ProfileSample(Guid ProfileId, string? UserId);
