namespace Alle.Web.Pages.Console.Audiences;

/// <summary>A name the builder offers, with the JSON types seen for it (string, number, boolean, object, array).</summary>
public sealed record SchemaName(string Name, IReadOnlyList<string> Types)
{
    public string TypeText => string.Join(" or ", Types);
}

/// <summary>
/// What the audience builder offers in its pickers (pure data, no I/O): the track events the sources have sent with
/// their properties, the trait keys on profiles, the computed traits and the other audiences; and, from a name's types,
/// which operators fit and which input to show.
/// </summary>
public sealed class BuilderSchema
{
    public static BuilderSchema Empty { get; } = new([], new Dictionary<string, IReadOnlyList<SchemaName>>(), [], [], []);

    public BuilderSchema(IReadOnlyList<string> events, IReadOnlyDictionary<string, IReadOnlyList<SchemaName>> properties, IReadOnlyList<SchemaName> traits,
        IReadOnlyList<(string Key, string Name)> computedTraits, IReadOnlyList<(string Key, string Name)> audiences)
    {
        Events = events;
        Properties = properties;
        Traits = traits;
        ComputedTraits = computedTraits;
        Audiences = audiences;
        AllProperties = properties.Values.SelectMany(names => names)
            .GroupBy(name => name.Name, StringComparer.Ordinal)
            .Select(group => new SchemaName(group.Key, group.SelectMany(name => name.Types).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList()))
            .OrderBy(name => name.Name, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Track event names, sorted.</summary>
    public IReadOnlyList<string> Events { get; }

    /// <summary>Properties by track event name.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<SchemaName>> Properties { get; }

    /// <summary>Every property of every event (types merged), for a line whose event is not chosen yet.</summary>
    public IReadOnlyList<SchemaName> AllProperties { get; }

    public IReadOnlyList<SchemaName> Traits { get; }

    public IReadOnlyList<(string Key, string Name)> ComputedTraits { get; }

    public IReadOnlyList<(string Key, string Name)> Audiences { get; }

    public IReadOnlyList<SchemaName> PropertiesOf(string? eventName) =>
        eventName is not null && Properties.TryGetValue(eventName.Trim(), out var names) ? names : AllProperties;

    /// <summary>The types seen for a property of an event (of any event when the event has no such property); empty when unknown.</summary>
    public IReadOnlyList<string> PropertyTypes(string? eventName, string? property) =>
        string.IsNullOrWhiteSpace(property) ? []
        : (PropertiesOf(eventName).FirstOrDefault(name => name.Name == property.Trim())
           ?? AllProperties.FirstOrDefault(name => name.Name == property.Trim()))?.Types ?? [];

    public IReadOnlyList<string> TraitTypes(string? trait) =>
        string.IsNullOrWhiteSpace(trait) ? [] : Traits.FirstOrDefault(name => name.Name == trait.Trim())?.Types ?? [];

    /// <summary>The operators that make sense for values of these types (every operator when the types are unknown).</summary>
    public static IReadOnlyList<string> OperatorsFor(IReadOnlyList<string> types) =>
        types.Count == 0
            ? ConditionForm.Operators
            : ConditionForm.Operators.Where(op => op is "exists" or "notExists" || types.Any(type => Fits(op, type))).ToList();

    private static bool Fits(string op, string type) => type switch
    {
        "string" => op is "equals" or "notEquals" or "contains" or "before" or "after",
        "number" => op is "equals" or "notEquals" or "greaterThan" or "greaterThanOrEqual" or "lessThan" or "lessThanOrEqual",
        "boolean" => op is "equals" or "notEquals",
        "array" => op is "contains",
        _ => false,
    };

    /// <summary>The value input for these types: number, boolean (a true/false choice) or text.</summary>
    public static string InputFor(IReadOnlyList<string> types) => types switch
    {
        ["number"] => "number",
        ["boolean"] => "boolean",
        _ => "text",
    };
}
