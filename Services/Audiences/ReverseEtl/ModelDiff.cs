using System.Text.Json;
using System.Text.Json.Nodes;
using Alle.Audiences.Conditions;
using Alle.Platform.Identifiers;

namespace Alle.Audiences.ReverseEtl;

/// <summary>Which column of a model's result identifies the person, and which columns become which traits.</summary>
internal sealed record ModelMapping(string IdentifierColumn, IdentifierType IdentifierType, IReadOnlyDictionary<string, string> TraitColumns);

/// <summary>A model's result keyed by normalised identifier, with the synced values (trait key → value) of each row.</summary>
internal sealed record ModelResult(IReadOnlyDictionary<string, JsonObject> Rows, int Failed, IReadOnlyList<string> Problems)
{
    public const int MaxProblems = 10;

    /// <summary>
    /// Reads the rows of a query (each a JSON object of column → value). A row without an identifier, or repeating one
    /// already seen, fails (the first occurrence wins); the reasons are kept (without the values, which may be personal).
    /// </summary>
    public static ModelResult Read(IEnumerable<JsonElement> rows, ModelMapping mapping, PhoneNumberNormalizer phones)
    {
        var result = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        var problems = new List<string>();
        var failed = 0;
        var rowNumber = 0;
        foreach (var row in rows)
        {
            rowNumber++;
            var raw = row.TryGetProperty(mapping.IdentifierColumn, out var identifierJson) ? identifierJson : default;
            var identifier = raw.ValueKind switch
            {
                JsonValueKind.String => ProfileIdentifiers.OfModelRow(mapping.IdentifierType, raw.GetString(), phones),
                JsonValueKind.Number => ProfileIdentifiers.OfModelRow(mapping.IdentifierType, raw.GetRawText(), phones),
                _ => null,
            };
            if (identifier is null)
            {
                failed++;
                Note(problems, $"Row {rowNumber}: no {mapping.IdentifierColumn}.");
                continue;
            }
            if (result.ContainsKey(identifier))
            {
                failed++;
                Note(problems, $"Row {rowNumber}: the same {mapping.IdentifierColumn} as an earlier row; the earlier row is kept.");
                continue;
            }
            var values = new JsonObject();
            foreach (var (column, trait) in mapping.TraitColumns)
            {
                values[trait] = row.TryGetProperty(column, out var value) ? JsonNode.Parse(value.GetRawText()) : null;
            }
            result[identifier] = values;
        }
        return new ModelResult(result, failed, problems);
    }

    private static void Note(List<string> problems, string problem)
    {
        if (problems.Count < MaxProblems)
        {
            problems.Add(problem);
        }
    }
}

/// <summary>What changed between two results of a model: only this is synced.</summary>
internal sealed record ModelChanges(
    IReadOnlyList<(string Identifier, JsonObject Values)> Added,
    IReadOnlyList<(string Identifier, JsonObject Changed, JsonObject Values)> Updated,
    IReadOnlyList<(string Identifier, JsonObject Previous)> Removed)
{
    public bool IsEmpty => Added.Count == 0 && Updated.Count == 0 && Removed.Count == 0;

    public static ModelChanges Between(IReadOnlyDictionary<string, JsonObject> previous, IReadOnlyDictionary<string, JsonObject> current)
    {
        var added = new List<(string, JsonObject)>();
        var updated = new List<(string, JsonObject, JsonObject)>();
        foreach (var (identifier, values) in current)
        {
            if (!previous.TryGetValue(identifier, out var before))
            {
                added.Add((identifier, values));
                continue;
            }
            var changed = new JsonObject();
            foreach (var (trait, value) in values)
            {
                if (!before.TryGetPropertyValue(trait, out var old) || !JsonNode.DeepEquals(old, value))
                {
                    changed[trait] = value?.DeepClone();
                }
            }
            foreach (var (trait, _) in before.Where(pair => !values.ContainsKey(pair.Key)))
            {
                changed[trait] = null;
            }
            if (changed.Count > 0)
            {
                updated.Add((identifier, changed, values));
            }
        }
        var removed = previous.Where(pair => !current.ContainsKey(pair.Key)).Select(pair => (pair.Key, pair.Value)).ToList();
        return new ModelChanges(added, updated, removed);
    }

    /// <summary>The traits an identify call sets for a removed row: every synced trait cleared.</summary>
    public static JsonObject Cleared(JsonObject previous) => new(previous.Select(pair => new KeyValuePair<string, JsonNode?>(pair.Key, null)));
}
