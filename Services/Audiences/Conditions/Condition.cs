using System.Text.Json;
using Alle.Platform.Durations;

namespace Alle.Audiences.Conditions;

/// <summary>
/// A node of the audience condition language, parsed from its JSON form by <see cref="ConditionParser"/>. Evaluated in
/// memory for one profile (<see cref="ConditionEvaluator"/>) and compiled to SQL over all profiles
/// (<see cref="SqlPredicateCompiler"/>); both give the same answer for the same facts.
/// </summary>
internal abstract record Condition;

/// <summary><c>{"and": [ … ]}</c>: every condition holds.</summary>
internal sealed record AllOf(IReadOnlyList<Condition> Conditions) : Condition;

/// <summary><c>{"or": [ … ]}</c>: at least one condition holds.</summary>
internal sealed record AnyOf(IReadOnlyList<Condition> Conditions) : Condition;

/// <summary><c>{"not": …}</c>.</summary>
internal sealed record Not(Condition Condition) : Condition;

/// <summary><c>{"trait": "plan", "operator": "equals", "value": "gold"}</c>: a trait of the profile.</summary>
internal sealed record TraitCondition(string Trait, Comparison Comparison) : Condition;

/// <summary>
/// <c>{"event": "Provider Searched", "where": [ … ], "count": {"atLeast": 1}, "within": "30d"}</c>: the profile
/// performed the event, with every property filter matching, a number of times, in the last window (or ever).
/// </summary>
internal sealed record EventCondition(string Event, IReadOnlyList<PropertyFilter> Where, CountRule Count, TimeWindow? Within) : Condition
{
    /// <summary>Whether one event counts towards this condition at <paramref name="now"/>.</summary>
    public bool Counts(ProfileEvent candidate, DateTimeOffset now) =>
        string.Equals(candidate.Name, Event, StringComparison.Ordinal)
        && (Within is not { } window || candidate.Timestamp > now - window.Length)
        && Where.All(filter => filter.Matches(candidate.Properties));
}

/// <summary><c>{"computedTrait": "searches_30d", "operator": "greaterThan", "value": 3}</c>.</summary>
internal sealed record ComputedTraitCondition(string Key, Comparison Comparison) : Condition;

/// <summary><c>{"audience": "north-star"}</c>: the profile is currently a member of another audience.</summary>
internal sealed record AudienceCondition(string Key) : Condition;

/// <summary>
/// The profile is a known member (it has a user id). Not part of the JSON language: an audience saved with
/// <c>knownMembersOnly</c> is evaluated as its condition and this one (<see cref="KnownMembers"/>).
/// </summary>
internal sealed record KnownMemberCondition : Condition;

/// <summary>How an audience's <c>knownMembersOnly</c> option applies to its condition, in both evaluation paths alike.</summary>
internal static class KnownMembers
{
    public static Condition Restrict(Condition condition, bool knownMembersOnly) =>
        knownMembersOnly ? new AllOf([new KnownMemberCondition(), condition]) : condition;
}

/// <summary><c>{"model": "offer-propensity"}</c>: the profile is in the latest result of a reverse ETL model.</summary>
internal sealed record ModelCondition(string Key) : Condition;

/// <summary>A filter on an event property; <see cref="Path"/> navigates nested objects (<c>"provider.city"</c>).</summary>
internal sealed record PropertyFilter(IReadOnlyList<string> Path, Comparison Comparison)
{
    public bool Matches(JsonElement properties) => Comparison.Matches(Navigate(properties, Path));

    /// <summary>The value at a property path, or null when an object on the way lacks it (arrays are not entered).</summary>
    public static JsonElement? Navigate(JsonElement properties, IReadOnlyList<string> path)
    {
        var current = properties;
        foreach (var segment in path)
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(segment, out current))
            {
                return null;
            }
        }
        return current;
    }
}

internal enum CountOperator
{
    AtLeast,
    AtMost,
    Exactly,
}

internal sealed record CountRule(CountOperator Operator, int Times)
{
    public static CountRule AtLeastOnce { get; } = new(CountOperator.AtLeast, 1);

    public bool IsSatisfiedBy(int count) => Operator switch
    {
        CountOperator.AtLeast => count >= Times,
        CountOperator.AtMost => count <= Times,
        _ => count == Times,
    };
}

/// <summary>A sliding window written as <c>30d</c>, <c>12h</c>, <c>15m</c>, <c>10s</c> or <c>2w</c> (a <see cref="Duration"/>), up to ten years.</summary>
internal readonly record struct TimeWindow(TimeSpan Length, string Text)
{
    public static readonly TimeSpan Longest = TimeSpan.FromDays(3650);

    public static bool TryParse(string? text, out TimeWindow window)
    {
        if (!Duration.TryParse(text, Longest, out var duration))
        {
            window = default;
            return false;
        }
        window = new TimeWindow(duration.Length, text!);
        return true;
    }

    public override string ToString() => Text;
}

/// <summary>One event of a profile, as kept in audiencesdb.</summary>
internal sealed record ProfileEvent(string MessageId, string Name, JsonElement Properties, DateTimeOffset Timestamp);
