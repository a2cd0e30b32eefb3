using System.Text.Json;
using Alle.Audiences.Definitions;
using Alle.Audiences.Profiles;
using Alle.Audiences.RealTime;
using Npgsql;

namespace Alle.Audiences.Conditions;

/// <summary>Conditions checked against the catalog and evaluated for one profile on the facts real-time audiences use.</summary>
internal sealed class ConditionChecks(NpgsqlDataSource dataSource, CatalogCache catalogs)
{
    public async Task<(Condition? Condition, ValidationErrors Errors)> ParseAsync(JsonElement? json, CancellationToken cancellationToken)
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
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            (await catalogs.GetAsync(connection, cancellationToken)).CheckReferences(parsed, null, errors);
        }
        return (errors.IsEmpty ? parsed.Condition : null, errors);
    }

    public async Task<ConditionResult> EvaluateAsync(Condition condition, JsonElement json, Guid requestedProfile, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var profileId = await ProfileStore.ResolveAsync(connection, requestedProfile, cancellationToken);
        var profile = profileId is { } id ? await ProfileStore.LockAsync(connection, id, skipLocked: false, cancellationToken) : null;
        if (profile is null)
        {
            // A profile Audiences has not seen (or a deleted one) has no traits, events or memberships.
            var empty = new ProfileFacts();
            return new ConditionResult(ConditionEvaluator.Evaluate(condition, empty, now), false, Clauses(condition, json, empty, now));
        }
        var catalog = await catalogs.GetAsync(connection, cancellationToken);
        var facts = await ProfileEvaluator.LoadFactsAsync(connection, catalog, profile, [new AudienceDefinition(Guid.Empty, "condition", "condition", condition)],
            cancellationToken);
        return new ConditionResult(ConditionEvaluator.Evaluate(condition, facts, now), true, Clauses(condition, json, facts, now));
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

internal sealed record ConditionClause(JsonElement Condition, bool Matches);

internal sealed record ConditionResult(bool Matches, bool ProfileKnown, IReadOnlyList<ConditionClause> Clauses);
