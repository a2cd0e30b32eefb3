using System.Text.Json;
using System.Text.Json.Nodes;
using Alle.Web.Pages.Console.Audiences;

namespace Alle.Web.Journeys;

/// <summary>
/// A split's condition as rows of fields and back, in Audiences' condition language (the audience builder's operators
/// and typed values): one clause, or all / any of several, each possibly negated. A condition nested deeper than that
/// is kept as JSON by the builder.
/// </summary>
public static class SplitCondition
{
    public static JsonNode? Build(IEnumerable<SplitConditionRow> rows, string combine)
    {
        var clauses = rows.Where(row => !row.IsBlank).Select(Clause).ToList();
        return clauses.Count switch
        {
            0 => null,
            1 => clauses[0],
            _ => new JsonObject { [combine == "or" ? "or" : "and"] = new JsonArray([.. clauses]) },
        };
    }

    public static bool TryRows(JsonElement condition, out List<SplitConditionRow> rows, out string combine)
    {
        rows = [];
        combine = "and";
        if (condition.ValueKind != JsonValueKind.Object)
        {
            return false;
        }
        var members = condition.EnumerateObject().ToList();
        if (members is [{ Name: "and" or "or", Value.ValueKind: JsonValueKind.Array } group])
        {
            combine = group.Name;
            foreach (var clause in group.Value.EnumerateArray())
            {
                if (Row(clause) is not { } row)
                {
                    return false;
                }
                rows.Add(row);
            }
            return rows.Count > 0;
        }
        if (Row(condition) is { } single)
        {
            rows.Add(single);
            return true;
        }
        return false;
    }

    private static JsonNode Clause(SplitConditionRow row)
    {
        var key = row.Key!.Trim();
        JsonObject node;
        switch (row.Kind)
        {
            case "audience":
                node = new JsonObject { ["audience"] = key };
                break;
            case "event":
                node = new JsonObject { ["event"] = key };
                if (row.Count is { } count)
                {
                    node["count"] = new JsonObject { [ConditionForm.CountOperators.Contains(row.CountOperator) ? row.CountOperator : "atLeast"] = count };
                }
                if (!string.IsNullOrWhiteSpace(row.Within))
                {
                    node["within"] = row.Within.Trim();
                }
                break;
            default:
                node = new JsonObject { [row.Kind == "computedTrait" ? "computedTrait" : "trait"] = key, ["operator"] = row.Operator };
                if (row.Operator is not ("exists" or "notExists"))
                {
                    node["value"] = ConditionForm.Value(row.Value);
                }
                break;
        }
        return row.Negate ? new JsonObject { ["not"] = node } : node;
    }

    private static SplitConditionRow? Row(JsonElement clause)
    {
        if (clause.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        var negate = false;
        if (clause.EnumerateObject().ToList() is [{ Name: "not" } not])
        {
            negate = true;
            clause = not.Value;
            if (clause.ValueKind != JsonValueKind.Object)
            {
                return null;
            }
        }
        var names = clause.EnumerateObject().Select(member => member.Name).ToHashSet(StringComparer.Ordinal);
        var text = (string name) => JourneyDefinitionMapping.Text(clause, name);
        if (names.SetEquals(["audience"]) && text("audience") is { } audience)
        {
            return new SplitConditionRow { Negate = negate, Kind = "audience", Key = audience };
        }
        if (names.Contains("event") && names.IsSubsetOf(["event", "count", "within"]) && text("event") is { } name)
        {
            var row = new SplitConditionRow { Negate = negate, Kind = "event", Key = name, Within = text("within") };
            if (clause.TryGetProperty("count", out var count))
            {
                if (count.ValueKind != JsonValueKind.Object || count.EnumerateObject().ToList() is not [{ Value.ValueKind: JsonValueKind.Number } bound]
                    || !ConditionForm.CountOperators.Contains(bound.Name) || !bound.Value.TryGetInt32(out var times))
                {
                    return null;
                }
                (row.CountOperator, row.Count) = (bound.Name, times);
            }
            return row;
        }
        foreach (var kind in new[] { "trait", "computedTrait" })
        {
            if (names.Contains(kind) && names.IsSubsetOf([kind, "operator", "value"]) && text(kind) is { } key
                && text("operator") is { } op && ConditionForm.Operators.Contains(op)
                && !(clause.TryGetProperty("value", out var listed) && listed.ValueKind is JsonValueKind.Object or JsonValueKind.Array))
            {
                return new SplitConditionRow
                {
                    Negate = negate, Kind = kind, Key = key, Operator = op,
                    Value = clause.TryGetProperty("value", out var value) ? JourneyDefinitionMapping.ValueText(value) : null,
                };
            }
        }
        return null;
    }
}
