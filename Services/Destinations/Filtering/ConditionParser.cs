using System.Text.Json;
using Alle.Destinations.Validation;

namespace Alle.Destinations.Filtering;

/// <summary>Reads a <see cref="Condition"/> from JSON, reporting every mistake by its JSON path; null when there is any.</summary>
internal static class ConditionParser
{
    public const int MaxDepth = 16;
    public const int MaxNodes = 200;

    private static readonly string[] s_kinds = ["and", "or", "not", "type", "event", "field"];

    public static readonly IReadOnlySet<string> EventTypes = new HashSet<string>(["identify", "track", "page", "screen", "group", "alias"], StringComparer.Ordinal);

    public static Condition? Parse(JsonElement json, string path, ValidationErrors errors)
    {
        var nodes = 0;
        var condition = Node(json, path, errors, 1, ref nodes);
        if (nodes > MaxNodes)
        {
            errors.Add(path, $"A condition has at most {MaxNodes} nodes.");
            return null;
        }
        return errors.IsEmpty ? condition : null;
    }

    private static Condition? Node(JsonElement json, string path, ValidationErrors errors, int depth, ref int nodes)
    {
        nodes++;
        if (depth > MaxDepth)
        {
            errors.Add(path, $"Conditions nest at most {MaxDepth} levels deep.");
            return null;
        }
        if (json.ValueKind != JsonValueKind.Object)
        {
            errors.Add(path, "A condition is an object: {\"type\": …}, {\"event\": …}, {\"field\": …}, {\"and\": […]}, {\"or\": […]} or {\"not\": …}.");
            return null;
        }
        var kinds = s_kinds.Count(kind => json.TryGetProperty(kind, out _));
        if (kinds != 1)
        {
            errors.Add(path, kinds == 0
                ? "Unknown condition: expected one of type, event, field, and, or, not."
                : "A condition is one of type, event, field, and, or, not: combine several with \"and\".");
            return null;
        }
        errors.OnlyMembers(json, path, s_kinds.First(kind => json.TryGetProperty(kind, out _)) switch
        {
            "event" => ["event", "where"],
            "field" => ["field", "operator", "value"],
            var kind => [kind],
        });
        if (json.TryGetProperty("and", out var and))
        {
            return List(and, ValidationErrors.Member(path, "and"), errors, depth, ref nodes) is { } all ? new AllOf(all) : null;
        }
        if (json.TryGetProperty("or", out var or))
        {
            return List(or, ValidationErrors.Member(path, "or"), errors, depth, ref nodes) is { } any ? new AnyOf(any) : null;
        }
        if (json.TryGetProperty("not", out var not))
        {
            return Node(not, ValidationErrors.Member(path, "not"), errors, depth + 1, ref nodes) is { } inner ? new Not(inner) : null;
        }
        if (json.TryGetProperty("type", out var type))
        {
            return Types(type, ValidationErrors.Member(path, "type"), errors) is { } types ? new TypeCondition(types) : null;
        }
        if (json.TryGetProperty("event", out var eventName))
        {
            return Event(json, eventName, path, errors);
        }
        return Field(json, "field", path, errors);
    }

    private static List<Condition>? List(JsonElement json, string path, ValidationErrors errors, int depth, ref int nodes)
    {
        if (json.ValueKind != JsonValueKind.Array || json.GetArrayLength() == 0)
        {
            errors.Add(path, "A non-empty array of conditions is required.");
            return null;
        }
        var conditions = new List<Condition>();
        var index = 0;
        foreach (var item in json.EnumerateArray())
        {
            if (Node(item, ValidationErrors.Item(path, index++), errors, depth + 1, ref nodes) is { } condition)
            {
                conditions.Add(condition);
            }
        }
        return conditions.Count == index ? conditions : null;
    }

    private static HashSet<string>? Types(JsonElement json, string path, ValidationErrors errors)
    {
        var names = json.ValueKind switch
        {
            JsonValueKind.String => [json.GetString()!],
            JsonValueKind.Array when json.EnumerateArray().All(t => t.ValueKind == JsonValueKind.String) => json.EnumerateArray().Select(t => t.GetString()!).ToList(),
            _ => (List<string>?)null,
        };
        if (names is null || names.Count == 0 || names.Any(name => !EventTypes.Contains(name)))
        {
            errors.Add(path, "A type is one of identify, track, page, screen, group, alias (or an array of them).");
            return null;
        }
        return names.ToHashSet(StringComparer.Ordinal);
    }

    private static EventCondition? Event(JsonElement json, JsonElement name, string path, ValidationErrors errors)
    {
        if (name.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(name.GetString()) || name.GetString()!.Length > 200)
        {
            errors.Add(ValidationErrors.Member(path, "event"), "An event name of 1 to 200 characters is required.");
            return null;
        }
        var where = new List<FieldCondition>();
        if (json.TryGetProperty("where", out var filters))
        {
            var wherePath = ValidationErrors.Member(path, "where");
            if (filters.ValueKind != JsonValueKind.Array)
            {
                errors.Add(wherePath, "An array of property filters is expected.");
                return null;
            }
            var index = 0;
            foreach (var filter in filters.EnumerateArray())
            {
                var itemPath = ValidationErrors.Item(wherePath, index++);
                if (filter.ValueKind != JsonValueKind.Object)
                {
                    errors.Add(itemPath, "A property filter is {\"property\": …, \"operator\": …, \"value\": …}.");
                    continue;
                }
                errors.OnlyMembers(filter, itemPath, "property", "operator", "value");
                if (Field(filter, "property", itemPath, errors) is { } field)
                {
                    // Properties are read from the event's properties, as in the audience language.
                    where.Add(field with { Path = ["properties", .. field.Path] });
                }
            }
            if (where.Count != index)
            {
                return null;
            }
        }
        return new EventCondition(name.GetString()!, where);
    }

    private static FieldCondition? Field(JsonElement json, string member, string path, ValidationErrors errors)
    {
        var fieldPath = ValidationErrors.Member(path, member);
        if (!json.TryGetProperty(member, out var field) || field.ValueKind != JsonValueKind.String || ReadPath(field.GetString()!) is not { } segments)
        {
            errors.Add(fieldPath, "A path of member names separated by dots is required (e.g. \"context.app.name\").");
            return null;
        }
        var operatorPath = ValidationErrors.Member(path, "operator");
        if (!json.TryGetProperty("operator", out var op) || op.ValueKind != JsonValueKind.String || !Comparison.Names.TryGetValue(op.GetString()!, out var comparison))
        {
            errors.Add(operatorPath, $"An operator is one of {string.Join(", ", Comparison.Names.Keys)}.");
            return null;
        }
        var valuePath = ValidationErrors.Member(path, "value");
        json.TryGetProperty("value", out var value);
        var valid = comparison switch
        {
            ComparisonOperator.Exists or ComparisonOperator.NotExists => true,
            ComparisonOperator.GreaterThan or ComparisonOperator.GreaterThanOrEqual or ComparisonOperator.LessThan or ComparisonOperator.LessThanOrEqual =>
                value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out _),
            ComparisonOperator.In => value.ValueKind == JsonValueKind.Array && value.GetArrayLength() is > 0 and <= 1000
                && value.EnumerateArray().All(IsScalar),
            _ => IsScalar(value),
        };
        if (!valid)
        {
            errors.Add(valuePath, comparison switch
            {
                ComparisonOperator.In => "A non-empty array of strings, numbers or booleans is required.",
                ComparisonOperator.Equals or ComparisonOperator.NotEquals or ComparisonOperator.Contains => "A string, number or boolean is required.",
                _ => "A number is required.",
            });
            return null;
        }
        return new FieldCondition(segments, new Comparison(comparison, comparison is ComparisonOperator.Exists or ComparisonOperator.NotExists ? null : value.Clone()));
    }

    private static bool IsScalar(JsonElement value) => value.ValueKind is JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False;

    /// <summary>A dotted path (<c>"provider.city"</c>) as member names; null when empty or with an empty segment.</summary>
    public static IReadOnlyList<string>? ReadPath(string text)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Length > 300)
        {
            return null;
        }
        var segments = text.Split('.');
        return segments.Any(string.IsNullOrEmpty) ? null : segments;
    }
}
