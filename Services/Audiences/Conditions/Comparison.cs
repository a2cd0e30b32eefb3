using System.Globalization;
using System.Text.Json;

namespace Alle.Audiences.Conditions;

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
    Before,
    After,
}

/// <summary>
/// A comparison of a JSON value (a trait, an event property, a computed trait) with a constant. A missing value and a
/// JSON <c>null</c> are the same: they exist for nothing, equal nothing, contain nothing, and are "not equal" to any
/// constant. Numbers compare numerically, strings ordinally (case-sensitive), dates are ISO 8601 strings
/// (<see cref="IsoInstant"/>). The SQL compiler implements exactly these rules.
/// </summary>
internal sealed record Comparison(ComparisonOperator Operator, JsonElement? Value = null, DateTimeOffset? Instant = null)
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
        ["before"] = ComparisonOperator.Before,
        ["after"] = ComparisonOperator.After,
    };

    public static string NameOf(ComparisonOperator op) => Names.First(pair => pair.Value == op).Key;

    /// <summary>Operators that hold when the value is missing: the SQL compiler negates their positive form.</summary>
    public bool HoldsWhenMissing => Operator is ComparisonOperator.NotEquals or ComparisonOperator.NotExists;

    public decimal Number => Value!.Value.GetDecimal();

    public bool Matches(JsonElement? actual)
    {
        var present = actual is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) };
        return Operator switch
        {
            ComparisonOperator.Exists => present,
            ComparisonOperator.NotExists => !present,
            ComparisonOperator.Equals => present && JsonValues.ScalarEquals(actual!.Value, Value!.Value),
            ComparisonOperator.NotEquals => !(present && JsonValues.ScalarEquals(actual!.Value, Value!.Value)),
            ComparisonOperator.Contains => present && Contains(actual!.Value),
            ComparisonOperator.Before => present && ReadInstant(actual!.Value) is { } before && before < Instant!.Value,
            ComparisonOperator.After => present && ReadInstant(actual!.Value) is { } after && after > Instant!.Value,
            _ => present && actual!.Value.ValueKind == JsonValueKind.Number && CompareNumber(actual.Value),
        };
    }

    private bool Contains(JsonElement actual)
    {
        if (actual.ValueKind == JsonValueKind.String && Value!.Value.ValueKind == JsonValueKind.String)
        {
            return actual.GetString()!.Contains(Value.Value.GetString()!, StringComparison.Ordinal);
        }
        return actual.ValueKind == JsonValueKind.Array
            && actual.EnumerateArray().Any(element => JsonValues.ScalarEquals(element, Value!.Value));
    }

    private bool CompareNumber(JsonElement actual)
    {
        var order = actual.TryGetDecimal(out var number)
            ? number.CompareTo(Number)
            : double.Parse(actual.GetRawText(), CultureInfo.InvariantCulture).CompareTo((double)Number);
        return Operator switch
        {
            ComparisonOperator.GreaterThan => order > 0,
            ComparisonOperator.GreaterThanOrEqual => order >= 0,
            ComparisonOperator.LessThan => order < 0,
            _ => order <= 0,
        };
    }

    private static DateTimeOffset? ReadInstant(JsonElement actual) =>
        actual.ValueKind == JsonValueKind.String && IsoInstant.TryParse(actual.GetString(), out var instant) ? instant : null;
}

internal static class JsonValues
{
    /// <summary>Equality as PostgreSQL's <c>jsonb =</c> decides it for a scalar constant: numbers numerically, strings ordinally.</summary>
    public static bool ScalarEquals(JsonElement actual, JsonElement constant) => (actual.ValueKind, constant.ValueKind) switch
    {
        (JsonValueKind.String, JsonValueKind.String) => string.Equals(actual.GetString(), constant.GetString(), StringComparison.Ordinal),
        (JsonValueKind.Number, JsonValueKind.Number) => actual.TryGetDecimal(out var left) && constant.TryGetDecimal(out var right) && left == right,
        (JsonValueKind.True, JsonValueKind.True) or (JsonValueKind.False, JsonValueKind.False) => true,
        _ => false,
    };

    public static JsonElement From<T>(T value) => JsonSerializer.SerializeToElement(value);

    public static bool IsPresent(this JsonElement? value) => value is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) };
}
