using System.Text.Json;

namespace Alle.Audiences.Conditions;

internal enum ReferenceKind
{
    ComputedTrait,
    Audience,
    Model,
}

/// <summary>A definition a condition refers to by key, with the path of the node that names it.</summary>
internal sealed record ConditionReference(ReferenceKind Kind, string Key, string Path);

internal sealed record ParsedCondition(Condition? Condition, ValidationErrors Errors, IReadOnlyList<ConditionReference> References)
{
    public bool IsValid => Condition is not null && Errors.IsEmpty;
}

/// <summary>
/// Reads the JSON condition language. Every error names the JSON path of the node it is about, so the console can
/// highlight it. References to other definitions are collected for the caller to check against what exists.
/// </summary>
internal sealed class ConditionParser
{
    public const int MaxDepth = 16;
    public const int MaxNodes = 400;
    public const int MaxCount = 1_000_000;
    private const int MaxTextLength = 200;

    private static readonly string[] s_kinds = ["and", "or", "not", "trait", "event", "computedTrait", "audience", "model"];
    private readonly ValidationErrors _errors = new();
    private readonly List<ConditionReference> _references = [];
    private int _nodes;

    private ConditionParser()
    {
    }

    public static ParsedCondition Parse(JsonElement json, string path = "$")
    {
        var parser = new ConditionParser();
        var condition = parser.ReadNode(json, path, depth: 1);
        return new ParsedCondition(parser._errors.IsEmpty ? condition : null, parser._errors, parser._references);
    }

    public static ParsedCondition Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return Parse(document.RootElement.Clone());
    }

    private Condition? ReadNode(JsonElement json, string path, int depth)
    {
        if (++_nodes > MaxNodes)
        {
            if (_nodes == MaxNodes + 1)
            {
                _errors.Add(path, $"A condition may have at most {MaxNodes} nodes.");
            }
            return null;
        }
        if (depth > MaxDepth)
        {
            _errors.Add(path, $"Conditions may be nested at most {MaxDepth} levels deep.");
            return null;
        }
        if (json.ValueKind != JsonValueKind.Object)
        {
            _errors.Add(path, "A condition must be a JSON object.");
            return null;
        }

        var kinds = s_kinds.Where(kind => json.TryGetProperty(kind, out _)).ToList();
        if (kinds.Count != 1)
        {
            _errors.Add(path, kinds.Count == 0
                ? $"A condition needs exactly one of: {string.Join(", ", s_kinds)}."
                : $"A condition has exactly one of {string.Join(", ", kinds)}; split it with \"and\" or \"or\".");
            return null;
        }

        return kinds[0] switch
        {
            "and" => ReadList(json, path, depth, "and", conditions => new AllOf(conditions)),
            "or" => ReadList(json, path, depth, "or", conditions => new AnyOf(conditions)),
            "not" => ReadNot(json, path, depth),
            "trait" => ReadTrait(json, path),
            "event" => ReadEvent(json, path),
            "computedTrait" => ReadComputedTrait(json, path),
            "audience" => ReadReference(json, path, "audience", ReferenceKind.Audience, key => new AudienceCondition(key)),
            _ => ReadReference(json, path, "model", ReferenceKind.Model, key => new ModelCondition(key)),
        };
    }

    private Condition? ReadList(JsonElement json, string path, int depth, string name, Func<IReadOnlyList<Condition>, Condition> create)
    {
        RefuseUnknownMembers(json, path, name);
        var itemsPath = ValidationErrors.Member(path, name);
        var items = json.GetProperty(name);
        if (items.ValueKind != JsonValueKind.Array || items.GetArrayLength() == 0)
        {
            _errors.Add(itemsPath, $"\"{name}\" takes a non-empty array of conditions.");
            return null;
        }
        var conditions = new List<Condition>();
        var index = 0;
        foreach (var item in items.EnumerateArray())
        {
            if (ReadNode(item, ValidationErrors.Item(itemsPath, index++), depth + 1) is { } condition)
            {
                conditions.Add(condition);
            }
        }
        return conditions.Count == index ? create(conditions) : null;
    }

    private Not? ReadNot(JsonElement json, string path, int depth)
    {
        RefuseUnknownMembers(json, path, "not");
        return ReadNode(json.GetProperty("not"), ValidationErrors.Member(path, "not"), depth + 1) is { } inner ? new Not(inner) : null;
    }

    private TraitCondition? ReadTrait(JsonElement json, string path)
    {
        RefuseUnknownMembers(json, path, "trait", "operator", "value");
        var trait = ReadName(json, path, "trait");
        var comparison = ReadComparison(json, path);
        return trait is not null && comparison is not null ? new TraitCondition(trait, comparison) : null;
    }

    private ComputedTraitCondition? ReadComputedTrait(JsonElement json, string path)
    {
        RefuseUnknownMembers(json, path, "computedTrait", "operator", "value");
        var key = ReadName(json, path, "computedTrait");
        var comparison = ReadComparison(json, path);
        if (key is null || comparison is null)
        {
            return null;
        }
        _references.Add(new ConditionReference(ReferenceKind.ComputedTrait, key, ValidationErrors.Member(path, "computedTrait")));
        return new ComputedTraitCondition(key, comparison);
    }

    private Condition? ReadReference(JsonElement json, string path, string name, ReferenceKind kind, Func<string, Condition> create)
    {
        RefuseUnknownMembers(json, path, name);
        if (ReadName(json, path, name) is not { } key)
        {
            return null;
        }
        _references.Add(new ConditionReference(kind, key, ValidationErrors.Member(path, name)));
        return create(key);
    }

    private EventCondition? ReadEvent(JsonElement json, string path)
    {
        RefuseUnknownMembers(json, path, "event", "where", "count", "within");
        var name = ReadName(json, path, "event");
        var filters = ReadFilters(json, path);
        var count = ReadCount(json, path);
        TimeWindow? within = null;
        if (json.TryGetProperty("within", out var windowJson) && windowJson.ValueKind != JsonValueKind.Null)
        {
            if (windowJson.ValueKind == JsonValueKind.String && TimeWindow.TryParse(windowJson.GetString(), out var window))
            {
                within = window;
            }
            else
            {
                _errors.Add(ValidationErrors.Member(path, "within"),
                    "\"within\" is a window such as \"30d\", \"12h\", \"15m\", \"10s\" or \"2w\" (at most 3650 days); leave it out for \"ever\".");
            }
        }
        return name is not null && filters is not null && count is not null && !_errors.Contains(ValidationErrors.Member(path, "within"))
            ? new EventCondition(name, filters, count, within)
            : null;
    }

    /// <summary>Reads <c>where</c>: property filters of an event condition or a computed trait.</summary>
    public static IReadOnlyList<PropertyFilter>? ReadFilters(JsonElement json, string path, ValidationErrors errors)
    {
        var parser = new ConditionParser();
        var filters = parser.ReadFilters(json, path);
        errors.AddAll(parser._errors);
        return filters;
    }

    private List<PropertyFilter>? ReadFilters(JsonElement json, string path)
    {
        var filters = new List<PropertyFilter>();
        if (!json.TryGetProperty("where", out var where) || where.ValueKind == JsonValueKind.Null)
        {
            return filters;
        }
        var wherePath = ValidationErrors.Member(path, "where");
        if (where.ValueKind != JsonValueKind.Array || where.GetArrayLength() > 20)
        {
            _errors.Add(wherePath, "\"where\" takes an array of at most 20 property filters.");
            return null;
        }
        var index = 0;
        var valid = true;
        foreach (var item in where.EnumerateArray())
        {
            var itemPath = ValidationErrors.Item(wherePath, index++);
            if (item.ValueKind != JsonValueKind.Object)
            {
                _errors.Add(itemPath, "A property filter is an object: {\"property\": \"zip\", \"operator\": \"equals\", \"value\": \"10001\"}.");
                valid = false;
                continue;
            }
            RefuseUnknownMembers(item, itemPath, "property", "operator", "value");
            var property = ReadPropertyPath(item, itemPath);
            var comparison = ReadComparison(item, itemPath);
            if (property is null || comparison is null)
            {
                valid = false;
                continue;
            }
            filters.Add(new PropertyFilter(property, comparison));
        }
        return valid ? filters : null;
    }

    /// <summary>A property path: names separated by dots, none of them an integer (array positions are not addressed).</summary>
    public static IReadOnlyList<string>? ParsePropertyPath(string? text)
    {
        if (string.IsNullOrEmpty(text) || text.Length > MaxTextLength)
        {
            return null;
        }
        var segments = text.Split('.');
        return segments.All(segment => segment.Length > 0 && !long.TryParse(segment, out _)) ? segments : null;
    }

    private IReadOnlyList<string>? ReadPropertyPath(JsonElement json, string path)
    {
        var memberPath = ValidationErrors.Member(path, "property");
        if (!json.TryGetProperty("property", out var property) || property.ValueKind != JsonValueKind.String
            || ParsePropertyPath(property.GetString()) is not { } segments)
        {
            _errors.Add(memberPath, "\"property\" is a property name, or a dotted path into nested objects (\"provider.city\"); segments may not be empty or integers.");
            return null;
        }
        return segments;
    }

    private CountRule? ReadCount(JsonElement json, string path)
    {
        if (!json.TryGetProperty("count", out var count) || count.ValueKind == JsonValueKind.Null)
        {
            return CountRule.AtLeastOnce;
        }
        var countPath = ValidationErrors.Member(path, "count");
        const string Shape = "\"count\" is one of {\"atLeast\": n} (n ≥ 1), {\"atMost\": n} or {\"exactly\": n} (n ≥ 0).";
        if (count.ValueKind != JsonValueKind.Object)
        {
            _errors.Add(countPath, Shape);
            return null;
        }
        var members = count.EnumerateObject().ToList();
        if (members.Count != 1)
        {
            _errors.Add(countPath, Shape);
            return null;
        }
        var member = members[0];
        CountOperator? op = member.Name switch
        {
            "atLeast" => CountOperator.AtLeast,
            "atMost" => CountOperator.AtMost,
            "exactly" => CountOperator.Exactly,
            _ => null,
        };
        var minimum = op == CountOperator.AtLeast ? 1 : 0;
        if (op is null || member.Value.ValueKind != JsonValueKind.Number || !member.Value.TryGetInt32(out var times) || times < minimum || times > MaxCount)
        {
            _errors.Add(op is null ? countPath : ValidationErrors.Member(countPath, member.Name), Shape);
            return null;
        }
        return new CountRule(op.Value, times);
    }

    private Comparison? ReadComparison(JsonElement json, string path)
    {
        var operatorPath = ValidationErrors.Member(path, "operator");
        if (!json.TryGetProperty("operator", out var operatorJson) || operatorJson.ValueKind != JsonValueKind.String
            || !Comparison.Names.TryGetValue(operatorJson.GetString()!, out var op))
        {
            _errors.Add(operatorPath, $"\"operator\" is one of: {string.Join(", ", Comparison.Names.Keys)}.");
            return null;
        }

        var valuePath = ValidationErrors.Member(path, "value");
        var hasValue = json.TryGetProperty("value", out var value) && value.ValueKind != JsonValueKind.Null;
        switch (op)
        {
            case ComparisonOperator.Exists or ComparisonOperator.NotExists:
                if (hasValue)
                {
                    _errors.Add(valuePath, $"\"{operatorJson.GetString()}\" takes no value.");
                    return null;
                }
                return new Comparison(op);
            case ComparisonOperator.Equals or ComparisonOperator.NotEquals or ComparisonOperator.Contains:
                if (!hasValue || value.ValueKind is not (JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False)
                    || (value.ValueKind == JsonValueKind.Number && !value.TryGetDecimal(out _))
                    || (value.ValueKind == JsonValueKind.String && value.GetString()!.Length > 1000))
                {
                    _errors.Add(valuePath, $"\"{operatorJson.GetString()}\" takes a string (up to 1000 characters), a number or a boolean.");
                    return null;
                }
                return new Comparison(op, value.Clone());
            case ComparisonOperator.Before or ComparisonOperator.After:
                if (!hasValue || value.ValueKind != JsonValueKind.String || !IsoInstant.TryParse(value.GetString(), out var instant))
                {
                    _errors.Add(valuePath, $"\"{operatorJson.GetString()}\" takes a date (\"2025-03-01\") or a date and time with an offset (\"2025-03-01T09:30:00Z\").");
                    return null;
                }
                return new Comparison(op, value.Clone(), instant);
            default:
                if (!hasValue || value.ValueKind != JsonValueKind.Number || !value.TryGetDecimal(out _))
                {
                    _errors.Add(valuePath, $"\"{operatorJson.GetString()}\" takes a number.");
                    return null;
                }
                return new Comparison(op, value.Clone());
        }
    }

    private string? ReadName(JsonElement json, string path, string member)
    {
        var value = json.GetProperty(member);
        if (value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(value.GetString()) || value.GetString()!.Length > MaxTextLength)
        {
            _errors.Add(ValidationErrors.Member(path, member), $"\"{member}\" takes a non-empty name of at most {MaxTextLength} characters.");
            return null;
        }
        return value.GetString();
    }

    private void RefuseUnknownMembers(JsonElement json, string path, params string[] allowed)
    {
        foreach (var member in json.EnumerateObject().Where(member => !allowed.Contains(member.Name, StringComparer.Ordinal)))
        {
            _errors.Add(ValidationErrors.Member(path, member.Name), $"Unknown member \"{member.Name}\" here; expected {string.Join(", ", allowed)}.");
        }
    }
}
