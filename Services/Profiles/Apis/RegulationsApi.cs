using Alle.Platform.Authorization;
using Alle.Contracts;
using Alle.Platform.Authentication;
using Alle.Platform.Workers;
using Alle.Profiles.Identity;
using Alle.Profiles.Privacy;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Alle.Profiles.Apis;

/// <summary>
/// Deletion and suppression shaped as Segment's regulations API: <c>POST /api/profiles/regulations</c> answers
/// <c>{"data":{"regulateId":…}}</c> once the request is stored; <c>GET …/regulations/{id}</c> shows its status
/// (INITIALIZED → RUNNING → FINISHED/FAILED) and each service's progress. Admin only.
/// </summary>
internal static class RegulationsApi
{
    public static void MapRegulationsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/profiles").RequirePermission(Permissions.MembersWrite).WithTags("Regulations");
        api.MapPost("/regulations", Create).WithSummary("Create a deletion or suppression regulation (as Segment's)");
        api.MapGet("/regulations/{regulationId}", Get).WithSummary("A regulation's status across services");
        api.MapGet("/suppressions", ListSuppressions).WithSummary("Suppressed identifiers");
    }

    private static async Task<Results<Ok<CreatedResponse>, ValidationProblem>> Create(
        RegulationRequest request, IdentifierNormalizer normalizer, RegulationStore store, WorkSignal<RegulationProcessor> signal, CancellationToken cancellationToken)
    {
        var (subjects, errors) = request.Validate(normalizer);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var id = await store.CreateAsync(request.RegulationType!, request.SubjectType!, subjects, cancellationToken);
        signal.Notify();
        return TypedResults.Ok(new CreatedResponse(new CreatedBody(id)));
    }

    private static async Task<Results<Ok<RegulationResponse>, ProblemHttpResult>> Get(string regulationId, RegulationStore store, CancellationToken cancellationToken) =>
        await store.GetAsync(regulationId, cancellationToken) is { } regulation
            ? TypedResults.Ok(new RegulationResponse(new RegulationBody(regulation)))
            : TypedResults.Problem(statusCode: 404, title: "Regulation was not found.");

    private static async Task<Results<Ok<SuppressionsResponse>, ValidationProblem>> ListSuppressions(
        RegulationStore store, CancellationToken cancellationToken, string? afterType = null, string? afterValue = null, int limit = 1000)
    {
        if (limit is < 1 or > 5000 || (afterType is null) != (afterValue is null))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = ["limit is 1 to 5000; afterType and afterValue go together."] });
        }
        var page = await store.SuppressionsAsync(afterType is null ? null : new Identifier(afterType, afterValue!), limit, cancellationToken);
        return TypedResults.Ok(new SuppressionsResponse(page, page.Count == limit));
    }

    internal sealed record CreatedResponse(CreatedBody Data);

    internal sealed record CreatedBody(string RegulateId);

    internal sealed record RegulationResponse(RegulationBody Data);

    internal sealed record RegulationBody(RegulationView Regulation);

    internal sealed record SuppressionsResponse(IReadOnlyList<Identifier> Data, bool HasMore);
}
