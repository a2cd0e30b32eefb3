using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Alle.Destinations.Filtering;

/// <summary>
/// A condition on one Segment event, for mapping triggers and destination filters. It speaks the audience condition
/// language where that fits one event — <c>and</c>, <c>or</c>, <c>not</c>, <c>{"event": name, "where": [property
/// filters]}</c> with the same operators and rules (a missing value and JSON null are the same) — and adds what only
/// makes sense for one event: <c>{"type": "track"}</c> and <c>{"field": "context.app.name", "operator": …, "value": …}</c>
/// on any member of the event. Parsed by <see cref="ConditionParser"/>.
/// </summary>
internal abstract record Condition
{
    public abstract bool Matches(JsonObject segmentEvent);
}

internal sealed record AllOf(IReadOnlyList<Condition> Conditions) : Condition
{
    public override bool Matches(JsonObject segmentEvent) => Conditions.All(condition => condition.Matches(segmentEvent));
}

internal sealed record AnyOf(IReadOnlyList<Condition> Conditions) : Condition
{
    public override bool Matches(JsonObject segmentEvent) => Conditions.Any(condition => condition.Matches(segmentEvent));
}

internal sealed record Not(Condition Condition) : Condition
{
    public override bool Matches(JsonObject segmentEvent) => !Condition.Matches(segmentEvent);
}

/// <summary><c>{"type": "track"}</c> or <c>{"type": ["page", "screen"]}</c>.</summary>
internal sealed record TypeCondition(IReadOnlySet<string> Types) : Condition
{
    public override bool Matches(JsonObject segmentEvent) => segmentEvent["type"]?.GetValue<string>() is { } type && Types.Contains(type);
}

/// <summary><c>{"event": "Order Completed", "where": [{"property": "total", "operator": "greaterThan", "value": 100}]}</c>: a track event.</summary>
internal sealed record EventCondition(string Event, IReadOnlyList<FieldCondition> Where) : Condition
{
    public override bool Matches(JsonObject segmentEvent) =>
        segmentEvent["type"]?.GetValue<string>() == "track"
        && string.Equals(segmentEvent["event"]?.GetValue<string>(), Event, StringComparison.Ordinal)
        && Where.All(filter => filter.Matches(segmentEvent));
}

/// <summary>A comparison of the value at <see cref="Path"/> (member names from the event's root) with a constant.</summary>
internal sealed record FieldCondition(IReadOnlyList<string> Path, Comparison Comparison) : Condition
{
    public override bool Matches(JsonObject segmentEvent) => Comparison.Matches(Navigate(segmentEvent, Path));

    /// <summary>The node at a path of member names, or null when an object on the way lacks it (arrays are not entered).</summary>
    public static JsonNode? Navigate(JsonNode? node, IReadOnlyList<string> path)
    {
        foreach (var segment in path)
        {
            if (node is not JsonObject obj || !obj.TryGetPropertyValue(segment, out node))
            {
                return null;
            }
        }
        return node;
    }
}

internal enum ComparisonOperator
{
    Equals,
    NotEquals,
    Contains,
    Exists,
    NotExists,
    GreaterThan,
    GreaterThanOrEqual,
    LessThan,
    LessThanOrEqual,
    In,
}

/// <summary>
/// The audience language's comparison rules: a missing value and JSON null exist for nothing, equal nothing, contain
/// nothing, and are "not equal" to any constant; numbers compare numerically, strings ordinally (case-sensitive);
/// <c>contains</c> is a substring of a string or an element of an array; <c>in</c> (ours) equals one of a list.
/// </summary>
internal sealed record Comparison(ComparisonOperator Operator, JsonElement? Value = null)
{
    public static readonly IReadOnlyDictionary<string, ComparisonOperator> Names = new Dictionary<string, ComparisonOperator>(StringComparer.Ordinal)
    {
        ["equals"] = ComparisonOperator.Equals,
        ["notEquals"] = ComparisonOperator.NotEquals,
        ["contains"] = ComparisonOperator.Contains,
        ["exists"] = ComparisonOperator.Exists,
        ["notExists"] = ComparisonOperator.NotExists,
        ["greaterThan"] = ComparisonOperator.GreaterThan,
        ["greaterThanOrEqual"] = ComparisonOperator.GreaterThanOrEqual,
        ["lessThan"] = ComparisonOperator.LessThan,
        ["lessThanOrEqual"] = ComparisonOperator.LessThanOrEqual,
        ["in"] = ComparisonOperator.In,
    };

    public bool Matches(JsonNode? actual)
    {
        var present = actual is not null && actual.GetValueKind() != JsonValueKind.Null;
        return Operator switch
        {
            ComparisonOperator.Exists => present,
            ComparisonOperator.NotExists => !present,
            ComparisonOperator.Equals => present && ScalarEquals(actual!, Value!.Value),
            ComparisonOperator.NotEquals => !(present && ScalarEquals(actual!, Value!.Value)),
            ComparisonOperator.Contains => present && Contains(actual!),
            ComparisonOperator.In => present && Value!.Value.EnumerateArray().Any(candidate => ScalarEquals(actual!, candidate)),
            _ => present && actual!.GetValueKind() == JsonValueKind.Number && CompareNumber(actual!),
        };
    }

    private bool Contains(JsonNode actual)
    {
        if (actual.GetValueKind() == JsonValueKind.String && Value!.Value.ValueKind == JsonValueKind.String)
        {
            return actual.GetValue<string>().Contains(Value.Value.GetString()!, StringComparison.Ordinal);
        }
        return actual is JsonArray array && array.Any(element => element is not null && ScalarEquals(element, Value!.Value));
    }

    private bool CompareNumber(JsonNode actual)
    {
        var constant = Value!.Value.GetDecimal();
        var text = actual.ToJsonString();
        var order = decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
            ? number.CompareTo(constant)
            : double.Parse(text, CultureInfo.InvariantCulture).CompareTo((double)constant);
        return Operator switch
        {
            ComparisonOperator.GreaterThan => order > 0,
            ComparisonOperator.GreaterThanOrEqual => order >= 0,
            ComparisonOperator.LessThan => order < 0,
            _ => order <= 0,
        };
    }

    /// <summary>Numbers numerically, strings ordinally, booleans by value; objects and arrays equal nothing.</summary>
    public static bool ScalarEquals(JsonNode actual, JsonElement constant) => (actual.GetValueKind(), constant.ValueKind) switch
    {
        (JsonValueKind.String, JsonValueKind.String) => string.Equals(actual.GetValue<string>(), constant.GetString(), StringComparison.Ordinal),
        (JsonValueKind.Number, JsonValueKind.Number) => decimal.TryParse(actual.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var left)
            && constant.TryGetDecimal(out var right) && left == right,
        (JsonValueKind.True, JsonValueKind.True) or (JsonValueKind.False, JsonValueKind.False) => true,
        _ => false,
    };
}
