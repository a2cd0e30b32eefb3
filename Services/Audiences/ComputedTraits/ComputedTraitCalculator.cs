using System.Globalization;
using System.Text.Json;
using Alle.Audiences.Conditions;

namespace Alle.Audiences.ComputedTraits;

/// <summary>
/// Computes a trait's value from a profile's events. The events are the profile's stored events (one per message id),
/// so a redelivered event cannot count twice and the value is exact however often a message arrives.
/// </summary>
internal static class ComputedTraitCalculator
{
    public const int MaxDistinctValues = 100;

    /// <returns>The value, or null when the trait has no value for these events (no numeric value to aggregate, no
    /// event carrying the property).</returns>
    public static JsonElement? Compute(ComputedTraitDefinition trait, IEnumerable<ProfileEvent> events, DateTimeOffset now)
    {
        var counted = events.Where(candidate => trait.Counts(candidate, now))
            .OrderBy(candidate => candidate.Timestamp).ThenBy(candidate => candidate.MessageId, StringComparer.Ordinal)
            .ToList();
        if (trait.Kind == ComputedTraitKind.Counter)
        {
            return JsonValues.From(counted.Count);
        }

        var values = counted
            .Select(candidate => (candidate.Timestamp, Value: PropertyFilter.Navigate(candidate.Properties, trait.Property!)))
            .Where(item => item.Value.IsPresent())
            .Select(item => (item.Timestamp, Value: item.Value!.Value))
            .ToList();
        return trait.Kind switch
        {
            ComputedTraitKind.First => values.Count > 0 ? values[0].Value.Clone() : null,
            ComputedTraitKind.Last => values.Count > 0 ? values[^1].Value.Clone() : null,
            ComputedTraitKind.Aggregation => Aggregate(trait.Function!.Value, values.Select(item => item.Value)),
            ComputedTraitKind.MostFrequent => MostFrequent(values),
            _ => Distinct(values.Select(item => item.Value)),
        };
    }

    private static JsonElement? Aggregate(AggregateFunction function, IEnumerable<JsonElement> values)
    {
        var numbers = values.Where(value => value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out _))
            .Select(value => value.GetDecimal()).ToList();
        if (numbers.Count == 0)
        {
            return null;
        }
        try
        {
            return function switch
            {
                AggregateFunction.Sum => JsonValues.From(WithoutTrailingZeros(numbers.Sum())),
                AggregateFunction.Average => JsonValues.From(WithoutTrailingZeros(Math.Round(numbers.Sum() / numbers.Count, 10))),
                AggregateFunction.Minimum => JsonValues.From(numbers.Min()),
                _ => JsonValues.From(numbers.Max()),
            };
        }
        catch (OverflowException)
        {
            var sum = numbers.Sum(number => (double)number);
            return JsonValues.From(function == AggregateFunction.Sum ? sum : sum / numbers.Count);
        }
    }

    /// <summary>20.0000000000 becomes 20: the same number is always written the same way.</summary>
    private static decimal WithoutTrailingZeros(decimal value) => value / 1.0000000000000000000000000000m;

    /// <summary>The value seen most often; ties go to the one seen most recently.</summary>
    private static JsonElement? MostFrequent(IReadOnlyList<(DateTimeOffset Timestamp, JsonElement Value)> values) => values
        .Select((item, position) => (Key: ScalarKey(item.Value), item.Value, Position: position))
        .Where(item => item.Key is not null)
        .GroupBy(item => item.Key!, StringComparer.Ordinal)
        .Select(group => (Count: group.Count(), Latest: group.Max(item => item.Position), Value: group.Last().Value))
        .OrderByDescending(group => group.Count).ThenByDescending(group => group.Latest)
        .Select(group => (JsonElement?)group.Value.Clone())
        .FirstOrDefault();

    /// <summary>The distinct scalar values, sorted (strings ordinally, numbers numerically), at most <see cref="MaxDistinctValues"/>.</summary>
    private static JsonElement? Distinct(IEnumerable<JsonElement> values)
    {
        var distinct = values.Where(value => ScalarKey(value) is not null)
            .DistinctBy(value => ScalarKey(value)!, StringComparer.Ordinal)
            .OrderBy(value => value.ValueKind)
            .ThenBy(value => value.ValueKind == JsonValueKind.Number ? value.GetDecimal() : 0m)
            .ThenBy(value => value.ValueKind == JsonValueKind.String ? value.GetString() : null, StringComparer.Ordinal)
            .Take(MaxDistinctValues)
            .ToList();
        return distinct.Count == 0 ? null : JsonValues.From(distinct);
    }

    /// <summary>A key under which equal scalars (1 and 1.0 alike) group together; null for objects, arrays and huge numbers.</summary>
    private static string? ScalarKey(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => "s:" + value.GetString(),
        JsonValueKind.Number when value.TryGetDecimal(out var number) => "n:" + number.ToString("G29", CultureInfo.InvariantCulture),
        JsonValueKind.True => "b:true",
        JsonValueKind.False => "b:false",
        _ => null,
    };
}
