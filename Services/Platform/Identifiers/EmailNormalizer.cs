namespace Alle.Platform.Identifiers;

/// <summary>
/// The one reading of e-mail addresses on the platform: trimmed and lower-cased (the form stored, compared, suppressed
/// and deleted by), <c>local@domain</c> with a dot-atom local part and a host name. Quoted local parts, comments,
/// display names and address literals are legal in RFC 5322 but never typed by members, and bring spaces, extra
/// <c>@</c> signs and angle brackets with them, so they are refused. Non-ASCII letters pass (internationalised addresses).
/// </summary>
public static class EmailNormalizer
{
    /// <summary>The longest address SMTP carries (RFC 5321's path limit less its angle brackets).</summary>
    public const int MaxLength = 254;

    private const int MaxLocalPartLength = 64;
    private const int MaxLabelLength = 63;
    private const string Specials = "()<>[]\\,;:\"@";

    /// <summary>The address trimmed and lower-cased, or null when it is not one.</summary>
    public static string? Normalize(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw))
        {
            return null;
        }
        var email = raw.Trim();
        if (email.Length > MaxLength)
        {
            return null;
        }
        email = email.ToLowerInvariant();
        var at = email.IndexOf('@', StringComparison.Ordinal);
        if (at <= 0 || at > MaxLocalPartLength || at != email.LastIndexOf('@'))
        {
            return null;
        }
        return IsDotAtom(email.AsSpan(0, at)) && IsHostName(email.AsSpan(at + 1)) ? email : null;
    }

    private static bool IsDotAtom(ReadOnlySpan<char> local)
    {
        if (local[0] == '.' || local[^1] == '.' || local.Contains("..", StringComparison.Ordinal))
        {
            return false;
        }
        foreach (var character in local)
        {
            if (char.IsWhiteSpace(character) || char.IsControl(character) || Specials.Contains(character, StringComparison.Ordinal))
            {
                return false;
            }
        }
        return true;
    }

    private static bool IsHostName(ReadOnlySpan<char> domain)
    {
        if (domain.IsEmpty)
        {
            return false;
        }
        foreach (var range in domain.Split('.'))
        {
            var label = domain[range];
            if (label.IsEmpty || label.Length > MaxLabelLength || label[0] == '-' || label[^1] == '-')
            {
                return false;
            }
            foreach (var character in label)
            {
                if (!char.IsLetterOrDigit(character) && character != '-')
                {
                    return false;
                }
            }
        }
        return true;
    }
}
