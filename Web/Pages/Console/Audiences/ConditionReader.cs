using System.Globalization;
using System.Text.Json;

namespace Alle.Web.Pages.Console.Audiences;

/// <summary>A condition as the builder's lines: the top level's all/any, the lines, and each group's all/any.</summary>
public sealed record BuilderLines(string Combine, List<ConditionRow> Rows, Dictionary<string, string> GroupCombines);

/// <summary>
/// Reads a saved condition back into the builder's lines, for editing (pure logic). Null when the condition uses what
/// the lines cannot show (deeper nesting, several property filters, model conditions): such a condition is edited as JSON.
/// </summary>
public static class ConditionReader
{
    public static BuilderLines? TryRead(JsonElement condition)
    {
        var rows = new List<ConditionRow>();
        var groupCombines = new Dictionary<string, string>(StringComparer.Ordinal);
        var (combine, items) = Combination(condition) ?? ("and", [condition]);
        foreach (var item in items)
        {
            if (Combination(item) is { } group)
            {
                if (groupCombines.Count == ConditionForm.GroupNames.Length)
                {
                    return null;
                }
                var name = ConditionForm.GroupNames[groupCombines.Count];
                groupCombines[name] = group.Combine;
                foreach (var member in group.Items)
                {
                    if (Line(member) is not { } row)
                    {
                        return null;
                    }
                    row.Group = name;
                    rows.Add(row);
                }
            }
            else if (Line(item) is { } row)
            {
                rows.Add(row);
            }
            else
            {
                return null;
            }
        }
        return new BuilderLines(combine, rows, groupCombines);
    }

    private static (string Combine, List<JsonElement> Items)? Combination(JsonElement node)
    {
        if (node.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        foreach (var combine in new[] { "and", "or" })
        {
            if (node.TryGetProperty(combine, out var items) && items.ValueKind == JsonValueKind.Array)
            {
                return (combine, items.EnumerateArray().ToList());
            }
        }
        return null;
    }

    private static ConditionRow? Line(JsonElement node)
    {
        if (node.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        if (node.TryGetProperty("not", out var inner))
        {
            return Line(inner) is { } negated && !negated.Negate ? Negated(negated) : null;
        }
        if (node.TryGetProperty("event", out var eventName))
        {
            var row = new ConditionRow { Kind = "event", Event = eventName.GetString() };
            if (node.TryGetProperty("within", out var within))
            {
                row.Within = within.GetString();
            }
            if (node.TryGetProperty("count", out var count))
            {
                var rule = count.EnumerateObject().FirstOrDefault();
                row.CountOperator = rule.Name;
                row.Count = rule.Value.ValueKind == JsonValueKind.Number ? rule.Value.GetInt32() : null;
            }
            if (node.TryGetProperty("where", out var where))
            {
                var filters = where.EnumerateArray().ToList();
                if (filters.Count > 1)
                {
                    return null;
                }
                if (filters.Count == 1)
                {
                    row.Property = filters[0].GetProperty("property").GetString();
                    row.PropertyOperator = filters[0].GetProperty("operator").GetString() ?? "equals";
                    row.PropertyValue = filters[0].TryGetProperty("value", out var value) ? Text(value) : null;
                }
            }
            return row;
        }
        if (node.TryGetProperty("trait", out var trait))
        {
            return Compared(new ConditionRow { Kind = "trait", Trait = trait.GetString() }, node);
        }
        if (node.TryGetProperty("computedTrait", out var computed))
        {
            return Compared(new ConditionRow { Kind = "computedTrait", ComputedTrait = computed.GetString() }, node);
        }
        if (node.TryGetProperty("audience", out var audience))
        {
            return new ConditionRow { Kind = "audience", Audience = audience.GetString() };
        }
        return null;
    }

    private static ConditionRow Negated(ConditionRow row)
    {
        row.Negate = true;
        return row;
    }

    private static ConditionRow Compared(ConditionRow row, JsonElement node)
    {
        row.TraitOperator = node.TryGetProperty("operator", out var op) ? op.GetString() ?? "equals" : "equals";
        row.TraitValue = node.TryGetProperty("value", out var value) ? Text(value) : null;
        return row;
    }

    /// <summary>The value as typed in the form: a string that would read as a number or true/false keeps its quotes.</summary>
    private static string Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String when value.GetString() is { } text
            && (text is "true" or "false" || decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out _)
                || (text.Length >= 2 && text[0] == '"' && text[^1] == '"')) => $"\"{text}\"",
        JsonValueKind.String => value.GetString()!,
        _ => value.GetRawText(),
    };
}
