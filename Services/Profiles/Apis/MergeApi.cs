using Alle.Platform.Authorization;
using Alle.Contracts;
using Alle.Platform.Authentication;
using Alle.Profiles.Merges;
using Alle.Profiles.Privacy;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Alle.Profiles.Apis;

/// <summary>The merge log (why profiles were merged, what merge protection refused) and the unmerge of a wrong merge. Admin only.</summary>
internal static class MergeApi
{
    public static void MapMergeApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/profiles").RequirePermission(Permissions.MembersWrite).WithTags("Merges");
        api.MapGet("/{profileId:guid}/merges", GetMerges).WithSummary("A profile's merges");
        api.MapGet("/{profileId:guid}/identity-decisions", GetDecisions).WithSummary("Identity resolution decisions about a profile, with their evidence");
        api.MapPost("/merges/{mergeId:guid}/unmerge", Unmerge).WithSummary("Undo a merge");
    }

    private static async Task<Ok<MergeLogResponse>> GetMerges(Guid profileId, ProfileExporter exporter, CancellationToken cancellationToken) =>
        TypedResults.Ok(new MergeLogResponse(await exporter.MergesAsync(profileId, cancellationToken)));

    private static async Task<Ok<DecisionsResponse>> GetDecisions(Guid profileId, ProfileExporter exporter, CancellationToken cancellationToken) =>
        TypedResults.Ok(new DecisionsResponse(await exporter.DecisionsAsync(profileId, cancellationToken)));

    private static async Task<Results<Ok<UnmergeResponse>, ProblemHttpResult>> Unmerge(
        Guid mergeId, Unmerger unmerger, CancellationToken cancellationToken)
    {
        var result = await unmerger.UnmergeAsync(mergeId, cancellationToken);
        return result.Status switch
        {
            UnmergeStatus.Done => TypedResults.Ok(new UnmergeResponse(mergeId, result.SurvivorProfileId!.Value, result.RestoredProfileId!.Value,
                result.MovedIdentifiers!, result.MovedEvents)),
            UnmergeStatus.UnknownMerge => TypedResults.Problem(statusCode: 404, title: "Merge was not found."),
            UnmergeStatus.AlreadyUndone => TypedResults.Problem(statusCode: 409, title: "This merge was already undone."),
            _ => TypedResults.Problem(statusCode: 409, title: "A profile of this merge was deleted; there is nothing to split."),
        };
    }

    internal sealed record MergeLogResponse(IReadOnlyList<MergeLogEntry> Data);

    internal sealed record DecisionsResponse(IReadOnlyList<IdentityDecision> Data);

    internal sealed record UnmergeResponse(Guid MergeId, Guid SurvivorProfileId, Guid RestoredProfileId, IReadOnlyList<Identifier> MovedIdentifiers, long MovedEvents);
}
