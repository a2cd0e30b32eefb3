using System.Text.Json;
using Alle.Audiences.Conditions;

namespace Alle.Audiences.ComputedTraits;

internal enum ComputedTraitKind
{
    Counter,
    Aggregation,
    MostFrequent,
    First,
    Last,
    Distinct,
}

internal enum AggregateFunction
{
    Sum,
    Average,
    Minimum,
    Maximum,
}

/// <summary>
/// A computed trait: a value derived from one event's occurrences (optionally filtered by properties, optionally in a
/// sliding window). JSON: <c>{"kind": "counter", "event": "Provider Searched", "where": [ … ], "within": "30d"}</c>;
/// aggregation adds <c>"function": "sum|avg|min|max"</c> and <c>"property"</c>; mostFrequent, first, last and distinct
/// take <c>"property"</c>.
/// </summary>
internal sealed record ComputedTraitDefinition(
    ComputedTraitKind Kind,
    string Event,
    IReadOnlyList<PropertyFilter> Where,
    TimeWindow? Within,
    IReadOnlyList<string>? Property,
    AggregateFunction? Function)
{
    public static readonly IReadOnlyDictionary<string, ComputedTraitKind> KindNames = new Dictionary<string, ComputedTraitKind>(StringComparer.Ordinal)
    {
        ["counter"] = ComputedTraitKind.Counter,
        ["aggregation"] = ComputedTraitKind.Aggregation,
        ["mostFrequent"] = ComputedTraitKind.MostFrequent,
        ["first"] = ComputedTraitKind.First,
        ["last"] = ComputedTraitKind.Last,
        ["distinct"] = ComputedTraitKind.Distinct,
    };

    public static readonly IReadOnlyDictionary<string, AggregateFunction> FunctionNames = new Dictionary<string, AggregateFunction>(StringComparer.Ordinal)
    {
        ["sum"] = AggregateFunction.Sum,
        ["avg"] = AggregateFunction.Average,
        ["min"] = AggregateFunction.Minimum,
        ["max"] = AggregateFunction.Maximum,
    };

    /// <summary>Whether an event is one this trait is computed from, at <paramref name="now"/>.</summary>
    public bool Counts(ProfileEvent candidate, DateTimeOffset now) =>
        string.Equals(candidate.Name, Event, StringComparison.Ordinal)
        && (Within is not { } window || candidate.Timestamp > now - window.Length)
        && Where.All(filter => filter.Matches(candidate.Properties));

    public static ComputedTraitDefinition? Parse(JsonElement json, string path, ValidationErrors errors)
    {
        if (json.ValueKind != JsonValueKind.Object)
        {
            errors.Add(path, "The definition is an object: {\"kind\": \"counter\", \"event\": \"Provider Searched\", \"within\": \"30d\"}.");
            return null;
        }
        foreach (var member in json.EnumerateObject().Where(m => m.Name is not ("kind" or "event" or "where" or "within" or "property" or "function")))
        {
            errors.Add(ValidationErrors.Member(path, member.Name), $"Unknown member \"{member.Name}\"; expected kind, event, where, within, property, function.");
        }

        ComputedTraitKind? kind = json.TryGetProperty("kind", out var kindJson) && kindJson.ValueKind == JsonValueKind.String
            && KindNames.TryGetValue(kindJson.GetString()!, out var knownKind) ? knownKind : null;
        if (kind is null)
        {
            errors.Add(ValidationErrors.Member(path, "kind"), $"\"kind\" is one of: {string.Join(", ", KindNames.Keys)}.");
        }

        string? eventName = json.TryGetProperty("event", out var eventJson) && eventJson.ValueKind == JsonValueKind.String
            && !string.IsNullOrWhiteSpace(eventJson.GetString()) && eventJson.GetString()!.Length <= 200 ? eventJson.GetString() : null;
        if (eventName is null)
        {
            errors.Add(ValidationErrors.Member(path, "event"), "\"event\" is the name of the event the trait is computed from.");
        }

        var filters = ConditionParser.ReadFilters(json, path, errors);

        TimeWindow? within = null;
        if (json.TryGetProperty("within", out var windowJson) && windowJson.ValueKind != JsonValueKind.Null)
        {
            if (windowJson.ValueKind == JsonValueKind.String && TimeWindow.TryParse(windowJson.GetString(), out var window))
            {
                within = window;
            }
            else
            {
                errors.Add(ValidationErrors.Member(path, "within"), "\"within\" is a window such as \"30d\", \"12h\" or \"15m\"; leave it out for all time.");
            }
        }

        IReadOnlyList<string>? property = null;
        var hasProperty = json.TryGetProperty("property", out var propertyJson) && propertyJson.ValueKind != JsonValueKind.Null;
        if (kind is not null and not ComputedTraitKind.Counter)
        {
            property = hasProperty && propertyJson.ValueKind == JsonValueKind.String ? ConditionParser.ParsePropertyPath(propertyJson.GetString()) : null;
            if (property is null)
            {
                errors.Add(ValidationErrors.Member(path, "property"), "\"property\" names the event property the value is read from (dotted for nested objects).");
            }
        }
        else if (kind == ComputedTraitKind.Counter && hasProperty)
        {
            errors.Add(ValidationErrors.Member(path, "property"), "A counter takes no property.");
        }

        AggregateFunction? function = null;
        var hasFunction = json.TryGetProperty("function", out var functionJson) && functionJson.ValueKind != JsonValueKind.Null;
        if (kind == ComputedTraitKind.Aggregation)
        {
            function = hasFunction && functionJson.ValueKind == JsonValueKind.String && FunctionNames.TryGetValue(functionJson.GetString()!, out var known) ? known : null;
            if (function is null)
            {
                errors.Add(ValidationErrors.Member(path, "function"), "\"function\" is one of: sum, avg, min, max.");
            }
        }
        else if (hasFunction)
        {
            errors.Add(ValidationErrors.Member(path, "function"), "Only an aggregation takes a function.");
        }

        return errors.IsEmpty ? new ComputedTraitDefinition(kind!.Value, eventName!, filters!, within, property, function) : null;
    }
}
