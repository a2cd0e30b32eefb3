using Alle.Platform.Authorization;
using Alle.Ingestion.Sources;
using Alle.Ingestion.TrackingPlans;
using Alle.Platform.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Alle.Ingestion.Apis;

/// <summary>A source's tracking plan (Segment Protocols), validated when saved, and the violations it found.</summary>
internal static class TrackingPlansApi
{
    public static IEndpointRouteBuilder MapTrackingPlansApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/ingestion/sources/{id}").WithTags("Tracking plans").RequirePermission(Permissions.SourcesWrite);
        api.MapGet("/tracking-plan", GetAsync).WithSummary("A source's tracking plan (JSON Schema per event)");
        api.MapPut("/tracking-plan", SaveAsync).WithSummary("Save a source's tracking plan");
        api.MapDelete("/tracking-plan", DeleteAsync).WithSummary("Remove a source's tracking plan");
        api.MapGet("/violations", GetViolationsAsync).WithSummary("Tracking plan violations of a source, per event");
        api.MapGet("/violations/{event}", GetEventViolationsAsync).WithSummary("Recent violations of one event");
        return app;
    }

    private static async Task<Results<Ok<TrackingPlanDocument>, ProblemHttpResult>> GetAsync(
        string id, SourceStore sources, TrackingPlanStore plans, CancellationToken cancellationToken)
    {
        if (await sources.FindAsync(id, cancellationToken) is null)
        {
            return SourcesApi.NotFound(id);
        }
        return await plans.ReadAsync(id, cancellationToken) is { } plan
            ? TypedResults.Ok(plan)
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No tracking plan", detail: $"Source '{id}' has no tracking plan.");
    }

    private static async Task<Results<Ok<TrackingPlanDocument>, ValidationProblem, ProblemHttpResult>> SaveAsync(
        string id, TrackingPlanDocument document, SourceStore sources, TrackingPlanStore plans, CancellationToken cancellationToken)
    {
        if (await sources.FindAsync(id, cancellationToken) is null)
        {
            return SourcesApi.NotFound(id);
        }
        var (plan, errors) = await TrackingPlan.CompileAsync(document);
        if (plan is null)
        {
            return TypedResults.ValidationProblem(errors, title: "The tracking plan is not valid");
        }
        await plans.SaveAsync(id, plan, cancellationToken);
        return TypedResults.Ok(plan.Document);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        string id, TrackingPlanStore plans, CancellationToken cancellationToken) =>
        await plans.DeleteAsync(id, cancellationToken)
            ? TypedResults.NoContent()
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No tracking plan", detail: $"Source '{id}' has no tracking plan.");

    private static async Task<Results<Ok<IReadOnlyList<EventViolations>>, ProblemHttpResult>> GetViolationsAsync(
        string id, int? examples, SourceStore sources, PlanViolations violations, CancellationToken cancellationToken)
    {
        if (await sources.FindAsync(id, cancellationToken) is null)
        {
            return SourcesApi.NotFound(id);
        }
        return TypedResults.Ok(await violations.SummarizeAsync(id, null, Math.Clamp(examples ?? 3, 0, 50), cancellationToken));
    }

    private static async Task<Results<Ok<EventViolations>, ProblemHttpResult>> GetEventViolationsAsync(
        string id, string @event, int? examples, SourceStore sources, PlanViolations violations, CancellationToken cancellationToken)
    {
        if (await sources.FindAsync(id, cancellationToken) is null)
        {
            return SourcesApi.NotFound(id);
        }
        var summary = await violations.SummarizeAsync(id, @event, Math.Clamp(examples ?? 10, 0, 100), cancellationToken);
        return summary.Count == 1
            ? TypedResults.Ok(summary[0])
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No violations", detail: $"'{@event}' has no recorded violations on source '{id}'.");
    }
}
