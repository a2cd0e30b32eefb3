namespace Alle.Messaging.Consent;

public enum KeywordAction
{
    None,
    OptOut,
    OptIn,
    Help,
}

/// <summary>
/// The opt-out, opt-in and help keywords carriers and Twilio honour. The whole message must be the keyword; case and
/// surrounding or repeated whitespace do not matter ("stop all" and "STOP  ALL" are STOPALL's spoken form).
/// </summary>
internal static class ConsentKeywords
{
    private static readonly Dictionary<string, KeywordAction> s_keywords = new(StringComparer.Ordinal)
    {
        ["STOP"] = KeywordAction.OptOut,
        ["STOPALL"] = KeywordAction.OptOut,
        ["STOP ALL"] = KeywordAction.OptOut,
        ["UNSUBSCRIBE"] = KeywordAction.OptOut,
        ["CANCEL"] = KeywordAction.OptOut,
        ["END"] = KeywordAction.OptOut,
        ["QUIT"] = KeywordAction.OptOut,
        ["OPTOUT"] = KeywordAction.OptOut,
        ["REVOKE"] = KeywordAction.OptOut,
        ["START"] = KeywordAction.OptIn,
        ["UNSTOP"] = KeywordAction.OptIn,
        ["YES"] = KeywordAction.OptIn,
        ["HELP"] = KeywordAction.Help,
        ["INFO"] = KeywordAction.Help,
    };

    public static KeywordAction Classify(string? body) => Normalize(body) is { } keyword && s_keywords.TryGetValue(keyword, out var action)
        ? action
        : KeywordAction.None;

    /// <summary>The body as a keyword candidate: trimmed, upper-case, inner whitespace collapsed to one space.</summary>
    public static string? Normalize(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return null;
        }
        var words = body.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return string.Join(' ', words).ToUpperInvariant();
    }
}
