using System.Globalization;
using System.Text.Json;

namespace Alle.Web.Privacy;

/// <summary>
/// Turns a service's JSON part into what a person reads: scalar members become labelled values, arrays of objects
/// become tables (their scalar columns), nested objects become sections. Names are split from camelCase into words.
/// </summary>
public static class JsonSummary
{
    public const int MaxRows = 200;

    public static IEnumerable<(string Label, string Value)> Scalars(JsonElement element) =>
        element.ValueKind != JsonValueKind.Object ? []
        : element.EnumerateObject().Where(p => IsScalar(p.Value)).Select(p => (Label(p.Name), Text(p.Value)));

    public static IEnumerable<(string Label, JsonElement Value)> Nested(JsonElement element) =>
        element.ValueKind != JsonValueKind.Object ? []
        : element.EnumerateObject().Where(p => !IsScalar(p.Value)).Select(p => (Label(p.Name), p.Value));

    /// <summary>The columns of a table of objects: every scalar member any row has, in first-seen order.</summary>
    public static IReadOnlyList<string> Columns(JsonElement array) =>
        [.. array.EnumerateArray().Take(MaxRows).Where(r => r.ValueKind == JsonValueKind.Object)
            .SelectMany(r => r.EnumerateObject().Where(p => IsScalar(p.Value)).Select(p => p.Name)).Distinct(StringComparer.Ordinal)];

    public static string Cell(JsonElement row, string column) =>
        row.ValueKind == JsonValueKind.Object && row.TryGetProperty(column, out var value) ? Text(value) : "";

    public static bool IsScalar(JsonElement value) => value.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array)
        || (value.ValueKind == JsonValueKind.Array && value.EnumerateArray().All(item => item.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array)));

    public static string Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => "—",
        JsonValueKind.True => "yes",
        JsonValueKind.False => "no",
        JsonValueKind.String when value.TryGetDateTimeOffset(out var time) && value.GetString()!.Length >= 20 => time.ToString("MMM d, yyyy h:mm tt 'UTC'", CultureInfo.InvariantCulture),
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Array => value.GetArrayLength() == 0 ? "none" : string.Join(", ", value.EnumerateArray().Select(Text)),
        _ => value.GetRawText(),
    };

    public static string Label(string name)
    {
        var words = new System.Text.StringBuilder();
        foreach (var (c, i) in name.Select((c, i) => (c, i)))
        {
            if (c == '_')
            {
                words.Append(' ');
            }
            else if (i > 0 && char.IsUpper(c) && !char.IsUpper(name[i - 1]))
            {
                words.Append(' ').Append(char.ToLowerInvariant(c));
            }
            else
            {
                words.Append(i == 0 ? char.ToUpperInvariant(c) : c);
            }
        }
        return words.ToString();
    }
}
