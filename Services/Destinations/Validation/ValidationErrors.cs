namespace Alle.Destinations.Validation;

/// <summary>Errors keyed by the JSON path of the offending member of a request body (<c>$.filters[1].if.and[0]</c>).</summary>
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

    public void Require(bool condition, string path, string message)
    {
        if (!condition)
        {
            Add(path, message);
        }
    }

    /// <summary>Refuses members <paramref name="json"/> may not have: a misspelt member would otherwise be ignored without a word.</summary>
    public void OnlyMembers(System.Text.Json.JsonElement json, string path, params string[] allowed)
    {
        foreach (var member in json.EnumerateObject().Where(member => !allowed.Contains(member.Name, StringComparer.Ordinal)))
        {
            Add(Member(path, member.Name), $"Unknown member; expected {string.Join(", ", allowed)}.");
        }
    }

    public bool Contains(string path) => _errors.ContainsKey(path);

    public Dictionary<string, string[]> ToDictionary() => _errors.ToDictionary(pair => pair.Key, pair => pair.Value.ToArray(), StringComparer.Ordinal);

    public override string ToString() => string.Join(" ", _errors.Select(pair => $"{pair.Key}: {string.Join(" ", pair.Value)}"));

    public static string Member(string path, string name) => $"{path}.{name}";

    public static string Item(string path, int index) => $"{path}[{index}]";
}
