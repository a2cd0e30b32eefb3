namespace Alle.Web.Formatting;

/// <summary>
/// CSV as RFC 4180 writes it (CRLF line ends; a field with a comma, quote or line break quoted, its quotes doubled),
/// safe to open in a spreadsheet: a field starting with <c>=</c>, <c>+</c>, <c>-</c>, <c>@</c>, a tab or a carriage
/// return would be read as a formula, so it is prefixed with an apostrophe.
/// </summary>
public static class Csv
{
    public const string LineEnd = "\r\n";

    public static string Field(string? value)
    {
        var text = value ?? "";
        if (text.Length > 0 && text[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            text = "'" + text;
        }
        return text.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? $"\"{text.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : text;
    }

    public static string Row(params IEnumerable<string?> fields) => string.Join(',', fields.Select(Field)) + LineEnd;
}
