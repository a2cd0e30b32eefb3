using System.Text.Json;

namespace Alle.Audiences.Conditions;

/// <summary>What a condition can look at for one profile.</summary>
internal sealed class ProfileFacts
{
    public IReadOnlyDictionary<string, JsonElement> Traits { get; init; } = new Dictionary<string, JsonElement>();

    /// <summary>The profile's user id: null for an anonymous profile.</summary>
    public string? UserId { get; init; }

    /// <summary>The profile's events (at least those of the event names the evaluated conditions mention).</summary>
    public IReadOnlyList<ProfileEvent> Events { get; init; } = [];

    /// <summary>Computed trait values by trait key.</summary>
    public IReadOnlyDictionary<string, JsonElement> ComputedTraits { get; init; } = new Dictionary<string, JsonElement>();

    /// <summary>Keys of the audiences the profile is a member of; updated while dependent audiences are evaluated.</summary>
    public HashSet<string> Audiences { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Keys of the reverse ETL models whose latest result contains the profile.</summary>
    public IReadOnlySet<string> Models { get; init; } = new HashSet<string>(StringComparer.Ordinal);
}

/// <summary>Evaluates a condition for one profile in memory (the real-time path).</summary>
internal static class ConditionEvaluator
{
    public static bool Evaluate(Condition condition, ProfileFacts facts, DateTimeOffset now) => condition switch
    {
        AllOf all => all.Conditions.All(inner => Evaluate(inner, facts, now)),
        AnyOf any => any.Conditions.Any(inner => Evaluate(inner, facts, now)),
        Not not => !Evaluate(not.Condition, facts, now),
        TraitCondition trait => trait.Comparison.Matches(facts.Traits.TryGetValue(trait.Trait, out var value) ? value : null),
        EventCondition performed => performed.Count.IsSatisfiedBy(facts.Events.Count(candidate => performed.Counts(candidate, now))),
        ComputedTraitCondition computed => computed.Comparison.Matches(facts.ComputedTraits.TryGetValue(computed.Key, out var value) ? value : null),
        AudienceCondition audience => facts.Audiences.Contains(audience.Key),
        ModelCondition model => facts.Models.Contains(model.Key),
        KnownMemberCondition => facts.UserId is not null,
        _ => throw new NotSupportedException($"Unknown condition {condition.GetType().Name}."),
    };
}
