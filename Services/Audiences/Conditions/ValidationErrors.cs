namespace Alle.Audiences.Conditions;

/// <summary>Errors keyed by the JSON path of the offending node in the request body (<c>$.condition.and[1].within</c>).</summary>
internal sealed class ValidationErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool IsEmpty => _errors.Count == 0;

    public void Add(string path, string message)
    {
        if (!_errors.TryGetValue(path, out var messages))
        {
            _errors[path] = messages = [];
        }
        messages.Add(message);
    }

    public void AddAll(ValidationErrors other)
    {
        foreach (var (path, messages) in other._errors)
        {
            messages.ForEach(message => Add(path, message));
        }
    }

    public bool Contains(string path) => _errors.ContainsKey(path);

    public Dictionary<string, string[]> ToDictionary() => _errors.ToDictionary(pair => pair.Key, pair => pair.Value.ToArray(), StringComparer.Ordinal);

    public static string Member(string path, string name) =>
        name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') && name.Length > 0 ? $"{path}.{name}" : $"{path}['{name.Replace("'", "\\'", StringComparison.Ordinal)}']";

    public static string Item(string path, int index) => $"{path}[{index}]";
}
