using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Alle.Web.Pages.Console.Audiences;

/// <summary>
/// One line of the audience builder: an event condition (name, optional property filter, count, window) or a trait
/// condition, optionally negated. Blank lines are ignored.
/// </summary>
public sealed class ConditionRow
{
    public bool Negate { get; set; }

    /// <summary>event or trait.</summary>
    public string Kind { get; set; } = "event";

    public string? Event { get; set; }

    public string? Within { get; set; }

    /// <summary>atLeast, atMost or exactly.</summary>
    public string CountOperator { get; set; } = "atLeast";

    public int? Count { get; set; }

    public string? Property { get; set; }

    public string PropertyOperator { get; set; } = "equals";

    public string? PropertyValue { get; set; }

    public string? Trait { get; set; }

    public string TraitOperator { get; set; } = "equals";

    public string? TraitValue { get; set; }

    public bool IsBlank => Kind == "trait" ? string.IsNullOrWhiteSpace(Trait) : string.IsNullOrWhiteSpace(Event);
}

/// <summary>Turns the builder's lines into Audiences' condition language (pure logic, no I/O).</summary>
public static partial class ConditionForm
{
    public static readonly string[] Operators =
        ["equals", "notEquals", "contains", "exists", "notExists", "greaterThan", "greaterThanOrEqual", "lessThan", "lessThanOrEqual", "before", "after"];

    public static readonly string[] CountOperators = ["atLeast", "atMost", "exactly"];

    /// <summary>The condition, or the problems with the lines (by line number, 1-based).</summary>
    public static (JsonElement? Condition, IReadOnlyList<string> Errors) Build(IReadOnlyList<ConditionRow> rows, string combine)
    {
        var errors = new List<string>();
        var parts = new List<JsonNode>();
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            if (row.IsBlank)
            {
                continue;
            }
            var node = row.Kind == "trait" ? Trait(row, i + 1, errors) : Event(row, i + 1, errors);
            if (node is not null)
            {
                parts.Add(row.Negate ? new JsonObject { ["not"] = node } : node);
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
        var condition = parts.Count == 1 ? parts[0] : new JsonObject { [combine == "or" ? "or" : "and"] = new JsonArray([.. parts]) };
        return (JsonSerializer.SerializeToElement(condition), errors);
    }

    private static JsonObject? Event(ConditionRow row, int line, List<string> errors)
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
                filter["value"] = Value(row.PropertyValue);
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

    private static JsonObject? Trait(ConditionRow row, int line, List<string> errors)
    {
        if (!Operators.Contains(row.TraitOperator))
        {
            errors.Add($"Line {line}: choose an operator for the trait.");
            return null;
        }
        var node = new JsonObject { ["trait"] = row.Trait!.Trim(), ["operator"] = row.TraitOperator };
        if (row.TraitOperator is not ("exists" or "notExists"))
        {
            node["value"] = Value(row.TraitValue);
        }
        return node;
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
