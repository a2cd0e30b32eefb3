using System.Text.Json;
using Alle.Audiences.Conditions;
using Alle.Audiences.Definitions;
using Alle.Audiences.Profiles;
using Alle.Audiences.RealTime;
using Alle.Platform.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

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
        var api = app.MapGroup("/api/audiences/conditions").RequireAuthorization(AdminKeyAuthentication.Policy);
        api.MapPost("/validate", Validate);
        api.MapPost("/evaluate", Evaluate);
    }

    private static async Task<Results<NoContent, ValidationProblem>> Validate(ConditionCheckRequest? request, NpgsqlDataSource dataSource,
        CatalogCache catalogs, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var (_, errors) = await ParseAsync(connection, catalogs, request?.Condition, cancellationToken);
        return errors.IsEmpty ? TypedResults.NoContent() : TypedResults.ValidationProblem(errors.ToDictionary(), title: "The condition is not valid.");
    }

    private static async Task<Results<Ok<ConditionResult>, ValidationProblem>> Evaluate(ConditionEvaluationRequest? request, NpgsqlDataSource dataSource,
        CatalogCache catalogs, TimeProvider clock, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var (condition, errors) = await ParseAsync(connection, catalogs, request?.Condition, cancellationToken);
        if (request?.ProfileId is not { } requested || requested == Guid.Empty)
        {
            errors.Add("$.profileId", "The profile to evaluate the condition for is required.");
        }
        if (!errors.IsEmpty || condition is null)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary(), title: "The condition cannot be evaluated.");
        }

        var now = clock.GetUtcNow();
        var profileId = await ProfileStore.ResolveAsync(connection, request!.ProfileId!.Value, cancellationToken);
        var profile = profileId is { } id ? await ProfileStore.LockAsync(connection, id, skipLocked: false, cancellationToken) : null;
        if (profile is null)
        {
            // A profile Audiences has not seen (or a deleted one) has no traits, events or memberships.
            var empty = new ProfileFacts();
            return TypedResults.Ok(new ConditionResult(ConditionEvaluator.Evaluate(condition, empty, now), false, Clauses(condition, request.Condition!.Value, empty, now)));
        }
        var catalog = await catalogs.GetAsync(connection, cancellationToken);
        var facts = await ProfileEvaluator.LoadFactsAsync(connection, catalog, profile, [new AudienceDefinition(Guid.Empty, "condition", "condition", condition)],
            cancellationToken);
        return TypedResults.Ok(new ConditionResult(ConditionEvaluator.Evaluate(condition, facts, now), true, Clauses(condition, request.Condition!.Value, facts, now)));
    }

    private static async Task<(Condition? Condition, ValidationErrors Errors)> ParseAsync(NpgsqlConnection connection, CatalogCache catalogs, JsonElement? json,
        CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (json is not { ValueKind: JsonValueKind.Object } condition)
        {
            errors.Add("$.condition", "A condition (a JSON object in the audience condition language) is required.");
            return (null, errors);
        }
        var parsed = ConditionParser.Parse(condition, "$.condition");
        errors.AddAll(parsed.Errors);
        if (parsed.IsValid)
        {
            (await catalogs.GetAsync(connection, cancellationToken)).CheckReferences(parsed, null, errors);
        }
        return (errors.IsEmpty ? parsed.Condition : null, errors);
    }

    /// <summary>Each top-level part of an <c>and</c>/<c>or</c> (or the condition itself) with whether it held.</summary>
    private static IReadOnlyList<ConditionClause> Clauses(Condition condition, JsonElement json, ProfileFacts facts, DateTimeOffset now)
    {
        var (parts, texts) = condition switch
        {
            AllOf all when json.TryGetProperty("and", out var and) => (all.Conditions, and.EnumerateArray().ToList()),
            AnyOf any when json.TryGetProperty("or", out var or) => (any.Conditions, or.EnumerateArray().ToList()),
            _ => ((IReadOnlyList<Condition>)[condition], new List<JsonElement> { json }),
        };
        return [.. parts.Zip(texts, (part, text) => new ConditionClause(text, ConditionEvaluator.Evaluate(part, facts, now)))];
    }
}

internal sealed record ConditionCheckRequest(JsonElement? Condition);

internal sealed record ConditionEvaluationRequest(Guid? ProfileId, JsonElement? Condition);

internal sealed record ConditionClause(JsonElement Condition, bool Matches);

internal sealed record ConditionResult(bool Matches, bool ProfileKnown, IReadOnlyList<ConditionClause> Clauses);
