using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Alle.Web.Pages.Console.Audiences;

/// <summary>
/// One line of the audience builder: an event condition (name, optional property filter, count, window), a trait, a
/// computed trait, or membership of another audience, optionally negated, at the top level or in a group. Blank lines are ignored.
/// </summary>
public sealed class ConditionRow
{
    public bool Negate { get; set; }

    /// <summary>event, trait, computedTrait or audience.</summary>
    public string Kind { get; set; } = "event";

    /// <summary>Empty for the top level, or the group's letter (A, B, C): a group's lines combine by the group's own all/any.</summary>
    public string? Group { get; set; }

    public string? Event { get; set; }

    public string? Within { get; set; }

    /// <summary>atLeast, atMost or exactly.</summary>
    public string CountOperator { get; set; } = "atLeast";

    public int? Count { get; set; }

    public string? Property { get; set; }

    public string PropertyOperator { get; set; } = "equals";

    public string? PropertyValue { get; set; }

    public string? Trait { get; set; }

    public string? ComputedTrait { get; set; }

    public string? Audience { get; set; }

    /// <summary>The operator and value of a trait or computed trait line.</summary>
    public string TraitOperator { get; set; } = "equals";

    public string? TraitValue { get; set; }

    public bool IsBlank => Kind switch
    {
        "trait" => string.IsNullOrWhiteSpace(Trait),
        "computedTrait" => string.IsNullOrWhiteSpace(ComputedTrait),
        "audience" => string.IsNullOrWhiteSpace(Audience),
        _ => string.IsNullOrWhiteSpace(Event),
    };
}

/// <summary>Turns the builder's lines into Audiences' condition language and back (pure logic, no I/O).</summary>
public static partial class ConditionForm
{
    public static readonly string[] Operators =
        ["equals", "notEquals", "contains", "exists", "notExists", "greaterThan", "greaterThanOrEqual", "lessThan", "lessThanOrEqual", "before", "after"];

    public static readonly string[] CountOperators = ["atLeast", "atMost", "exactly"];

    public static readonly string[] Kinds = ["event", "trait", "computedTrait", "audience"];

    public static readonly string[] GroupNames = ["A", "B", "C"];

    /// <summary>The condition, or the problems with the lines (by line number, 1-based).</summary>
    /// <param name="groupCombines">Each group's "and" or "or" (default "and").</param>
    /// <param name="schema">Types of properties and traits, so a value is read as the type it is compared with.</param>
    public static (JsonElement? Condition, IReadOnlyList<string> Errors) Build(IReadOnlyList<ConditionRow> rows, string combine,
        IReadOnlyDictionary<string, string>? groupCombines = null, BuilderSchema? schema = null)
    {
        schema ??= BuilderSchema.Empty;
        var errors = new List<string>();
        var parts = new List<JsonNode>();
        var groups = new Dictionary<string, JsonArray>(StringComparer.Ordinal);
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            if (row.IsBlank)
            {
                continue;
            }
            var node = row.Kind switch
            {
                "trait" => Compared("trait", row.Trait!, row, schema.TraitTypes(row.Trait), i + 1, errors),
                "computedTrait" => Compared("computedTrait", row.ComputedTrait!, row, [], i + 1, errors),
                "audience" => new JsonObject { ["audience"] = row.Audience!.Trim() },
                _ => Event(row, schema, i + 1, errors),
            };
            if (node is null)
            {
                continue;
            }
            JsonNode line = row.Negate ? new JsonObject { ["not"] = node } : node;
            if (string.IsNullOrWhiteSpace(row.Group) || !GroupNames.Contains(row.Group))
            {
                parts.Add(line);
            }
            else if (groups.TryGetValue(row.Group, out var members))
            {
                members.Add(line);
            }
            else
            {
                // The group takes the place of its first line.
                groups[row.Group] = members = [line];
                parts.Add(new JsonObject { ["group"] = row.Group });
            }
        }
        if (parts.Count == 0 && errors.Count == 0)
        {
            errors.Add("Add at least one condition.");
        }
        if (errors.Count > 0)
        {
            return (null, errors);
        }
        var resolved = parts.Select(part => part is JsonObject marker && marker["group"] is { } name
            ? Combined(groups[name.GetValue<string>()], groupCombines?.GetValueOrDefault(name.GetValue<string>()) ?? "and")
            : part).ToList();
        return (JsonSerializer.SerializeToElement(Combined(new JsonArray([.. resolved]), combine)), errors);
    }

    private static JsonNode Combined(JsonArray parts, string combine)
    {
        if (parts.Count == 1)
        {
            var only = parts[0]!;
            parts.RemoveAt(0);
            return only;
        }
        return new JsonObject { [combine == "or" ? "or" : "and"] = parts };
    }

    private static JsonObject? Event(ConditionRow row, BuilderSchema schema, int line, List<string> errors)
    {
        var node = new JsonObject { ["event"] = row.Event!.Trim() };
        if (!string.IsNullOrWhiteSpace(row.Property))
        {
            if (!Operators.Contains(row.PropertyOperator))
            {
                errors.Add($"Line {line}: choose an operator for the property.");
                return null;
            }
            var filter = new JsonObject { ["property"] = row.Property.Trim(), ["operator"] = row.PropertyOperator };
            if (row.PropertyOperator is not ("exists" or "notExists"))
            {
                if (TypedValue(row.PropertyValue, schema.PropertyTypes(row.Event, row.Property), line, errors) is not { } value)
                {
                    return null;
                }
                filter["value"] = value;
            }
            node["where"] = new JsonArray(filter);
        }
        if (row.Count is { } count)
        {
            if (count < 0 || !CountOperators.Contains(row.CountOperator))
            {
                errors.Add($"Line {line}: a count is a whole number of at least 0.");
                return null;
            }
            node["count"] = new JsonObject { [row.CountOperator] = count };
        }
        if (!string.IsNullOrWhiteSpace(row.Within))
        {
            if (!WindowPattern().IsMatch(row.Within.Trim()))
            {
                errors.Add($"Line {line}: a time window is a number and a unit, e.g. 30d, 12h, 2w.");
                return null;
            }
            node["within"] = row.Within.Trim();
        }
        return node;
    }

    private static JsonObject? Compared(string kind, string key, ConditionRow row, IReadOnlyList<string> types, int line, List<string> errors)
    {
        if (!Operators.Contains(row.TraitOperator))
        {
            errors.Add($"Line {line}: choose an operator.");
            return null;
        }
        var node = new JsonObject { [kind] = key.Trim(), ["operator"] = row.TraitOperator };
        if (row.TraitOperator is not ("exists" or "notExists"))
        {
            if (TypedValue(row.TraitValue, types, line, errors) is not { } value)
            {
                return null;
            }
            node["value"] = value;
        }
        return node;
    }

    /// <summary>The value as the type it is compared with when that is known; otherwise guessed as <see cref="Value"/> does.</summary>
    private static JsonNode? TypedValue(string? text, IReadOnlyList<string> types, int line, List<string> errors)
    {
        var value = text?.Trim() ?? "";
        switch (types)
        {
            case ["string"]:
                return JsonValue.Create(value.Length >= 2 && value[0] == '"' && value[^1] == '"' ? value[1..^1] : value);
            case ["number"] when !decimal.TryParse(value, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out _):
                errors.Add($"Line {line}: the value is a number.");
                return null;
            case ["boolean"] when value is not ("true" or "false"):
                errors.Add($"Line {line}: the value is true or false.");
                return null;
            default:
                return Value(value);
        }
    }

    /// <summary>Numbers and true/false as JSON values; anything else (or anything in double quotes) as text.</summary>
    public static JsonNode? Value(string? text)
    {
        var value = text?.Trim() ?? "";
        if (value.Length >= 2 && value[0] == '"' && value[^1] == '"')
        {
            return JsonValue.Create(value[1..^1]);
        }
        if (value is "true" or "false")
        {
            return JsonValue.Create(value == "true");
        }
        if (decimal.TryParse(value, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            return JsonValue.Create(number);
        }
        return JsonValue.Create(value);
    }

    [GeneratedRegex("^[0-9]{1,5}[smhdw]$")]
    private static partial Regex WindowPattern();
}
