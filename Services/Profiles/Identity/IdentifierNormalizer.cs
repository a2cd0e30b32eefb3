using Alle.Contracts;
using Alle.Platform.Identifiers;

namespace Alle.Profiles.Identity;

/// <summary>
/// Turns raw values into identifiers: e-mails and phones as the platform reads them (<see cref="EmailNormalizer"/>,
/// <see cref="PhoneNumberNormalizer"/>), other types trimmed, everything checked against the blocked values. Returns
/// null for a value that is not an identifier (it stays a trait).
/// </summary>
internal sealed class IdentifierNormalizer(IdentityRules rules, PhoneNumberNormalizer phones)
{
    private const int MaxLength = 256;

    public IdentityRules Rules => rules;

    public PhoneNumberNormalizer Phones => phones;

    public Identifier? Normalize(string type, string? raw)
    {
        var normalizedType = type.Trim().ToLowerInvariant();
        var value = normalizedType switch
        {
            IdentifierTypes.Email => EmailNormalizer.Normalize(raw),
            IdentifierTypes.Phone => phones.ToE164(raw),
            _ => string.IsNullOrWhiteSpace(raw) ? null : raw.Trim(),
        };
        if (value is null || normalizedType.Length == 0 || normalizedType.Length > 64 || value.Length > MaxLength || rules.IsBlocked(normalizedType, value))
        {
            return null;
        }
        return new Identifier(normalizedType, value);
    }
}

/// <summary>Outcome of reading an identifier written as <c>type:value</c> (the Profile API's path segment).</summary>
internal enum IdentifierParse
{
    Valid,
    Malformed,
    NeverAnIdentifier,
}

internal static class TypedIdentifier
{
    /// <summary>Reads <c>type:value</c>; phones and e-mails must normalise, blocked values are never identifiers.</summary>
    public static IdentifierParse TryParse(this IdentifierNormalizer normalizer, string? text, out Identifier? identifier)
    {
        identifier = null;
        var colon = text?.IndexOf(':', StringComparison.Ordinal) ?? -1;
        if (text is null || colon <= 0 || colon == text.Length - 1)
        {
            return IdentifierParse.Malformed;
        }
        var type = text[..colon].Trim().ToLowerInvariant();
        var value = text[(colon + 1)..];
        if ((type == IdentifierTypes.Phone && normalizer.Phones.ToE164(value) is null)
            || (type == IdentifierTypes.Email && EmailNormalizer.Normalize(value) is null)
            || string.IsNullOrWhiteSpace(value))
        {
            return IdentifierParse.Malformed;
        }
        identifier = normalizer.Normalize(type, value);
        return identifier is null ? IdentifierParse.NeverAnIdentifier : IdentifierParse.Valid;
    }
}
