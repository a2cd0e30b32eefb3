using Alle.Contracts;
using PhoneNumbers;

namespace Alle.Profiles.Identity;

/// <summary>
/// Turns raw values into identifiers: e-mails trimmed and lower-cased, phones in E.164 (numbers without a country code
/// read in the configured default region), everything checked against the blocked values. Returns null for a value
/// that is not an identifier (it stays a trait).
/// </summary>
internal sealed class IdentifierNormalizer(IdentityRules rules)
{
    private const int MaxLength = 256;
    private static readonly PhoneNumberUtil s_phones = PhoneNumberUtil.GetInstance();

    public IdentityRules Rules => rules;

    public Identifier? Normalize(string type, string? raw)
    {
        var normalizedType = type.Trim().ToLowerInvariant();
        var value = normalizedType switch
        {
            IdentifierTypes.Email => NormalizeEmail(raw),
            IdentifierTypes.Phone => NormalizePhone(raw, rules.DefaultRegion),
            _ => string.IsNullOrWhiteSpace(raw) ? null : raw.Trim(),
        };
        if (value is null || normalizedType.Length == 0 || normalizedType.Length > 64 || value.Length > MaxLength || rules.IsBlocked(normalizedType, value))
        {
            return null;
        }
        return new Identifier(normalizedType, value);
    }

    public static string? NormalizeEmail(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw))
        {
            return null;
        }
        var email = raw.Trim().ToLowerInvariant();
        var at = email.IndexOf('@', StringComparison.Ordinal);
        return at > 0 && at == email.LastIndexOf('@') && at < email.Length - 1 && !email.Any(char.IsWhiteSpace) ? email : null;
    }

    public static string? NormalizePhone(string? raw, string defaultRegion)
    {
        if (string.IsNullOrWhiteSpace(raw) || raw.Length > 64)
        {
            return null;
        }
        try
        {
            var number = s_phones.Parse(raw.Trim(), defaultRegion);
            return s_phones.IsPossibleNumberWithReason(number) == PhoneNumberUtil.ValidationResult.IS_POSSIBLE
                ? s_phones.Format(number, PhoneNumberFormat.E164)
                : null;
        }
        catch (NumberParseException)
        {
            return null;
        }
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
        if ((type == IdentifierTypes.Phone && IdentifierNormalizer.NormalizePhone(value, normalizer.Rules.DefaultRegion) is null)
            || (type == IdentifierTypes.Email && IdentifierNormalizer.NormalizeEmail(value) is null)
            || string.IsNullOrWhiteSpace(value))
        {
            return IdentifierParse.Malformed;
        }
        identifier = normalizer.Normalize(type, value);
        return identifier is null ? IdentifierParse.NeverAnIdentifier : IdentifierParse.Valid;
    }
}
