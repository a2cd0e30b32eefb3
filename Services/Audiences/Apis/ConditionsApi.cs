using System.Text.Json;
using Alle.Audiences.Conditions;
using Alle.Platform.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Alle.Audiences.Apis;

/// <summary>
/// The audience condition language for others: a journey's split asks here whether a condition holds for one profile
/// now (on the same facts real-time audiences use: traits, events, computed traits, memberships, models), and which of
/// its top-level parts held, so the journey can explain the path a member took.
/// </summary>
internal static class ConditionsApi
{
    public static void MapConditionsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/audiences/conditions").RequirePermission(Permissions.AudiencesWrite);
        api.MapPost("/validate", Validate).WithSummary("Validate a condition in the audience condition language");
        api.MapPost("/evaluate", Evaluate).WithSummary("Evaluate a condition for one profile now, clause by clause");
    }

    private static async Task<Results<NoContent, ValidationProblem>> Validate(ConditionCheckRequest? request, ConditionChecks checks,
        CancellationToken cancellationToken)
    {
        var (_, errors) = await checks.ParseAsync(request?.Condition, cancellationToken);
        return errors.IsEmpty ? TypedResults.NoContent() : TypedResults.ValidationProblem(errors.ToDictionary(), title: "The condition is not valid.");
    }

    private static async Task<Results<Ok<ConditionResult>, ValidationProblem>> Evaluate(ConditionEvaluationRequest? request, ConditionChecks checks,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        var (condition, errors) = await checks.ParseAsync(request?.Condition, cancellationToken);
        if (request?.ProfileId is not { } requested || requested == Guid.Empty)
        {
            errors.Add("$.profileId", "The profile to evaluate the condition for is required.");
        }
        if (!errors.IsEmpty || condition is null)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary(), title: "The condition cannot be evaluated.");
        }
        return TypedResults.Ok(await checks.EvaluateAsync(condition, request!.Condition!.Value, request.ProfileId!.Value, clock.GetUtcNow(), cancellationToken));
    }
}

internal sealed record ConditionCheckRequest(JsonElement? Condition);

internal sealed record ConditionEvaluationRequest(Guid? ProfileId, JsonElement? Condition);
