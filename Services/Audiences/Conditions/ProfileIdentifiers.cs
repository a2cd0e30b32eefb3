using System.Text.Json;
using Alle.Platform.Identifiers;

namespace Alle.Audiences.Conditions;

/// <summary>The identifier a reverse ETL model keys its rows by.</summary>
internal enum IdentifierType
{
    UserId,
    Email,
    Phone,
}

/// <summary>
/// How a profile and a model row are matched. A model row's identifier is read as the platform reads identifiers
/// (<see cref="OfModelRow"/>: phones in E.164, e-mails by <see cref="EmailNormalizer"/>). A profile's side is its user id,
/// or its e-mail or phone trait trimmed of spaces (e-mails lower-cased), because the SQL compiler's identifier
/// expressions must compute exactly the same and cannot run libphonenumber: a phone trait matches when it was sent in
/// E.164, as Loyalty and Messaging send it.
/// </summary>
internal static class ProfileIdentifiers
{
    public static readonly IReadOnlyDictionary<string, IdentifierType> Names = new Dictionary<string, IdentifierType>(StringComparer.Ordinal)
    {
        ["user_id"] = IdentifierType.UserId,
        ["email"] = IdentifierType.Email,
        ["phone"] = IdentifierType.Phone,
    };

    public static string NameOf(IdentifierType type) => Names.First(pair => pair.Value == type).Key;

    /// <summary>A model row's identifier in the form profiles are matched by, or null when it is not one.</summary>
    public static string? OfModelRow(IdentifierType type, string? raw, PhoneNumberNormalizer phones) => type switch
    {
        IdentifierType.UserId => string.IsNullOrWhiteSpace(raw) ? null : raw,
        IdentifierType.Email => EmailNormalizer.Normalize(raw),
        _ => phones.ToE164(raw),
    };

    /// <summary>A profile trait's value as compared (mirrored in SQL by <see cref="SqlPredicateCompiler"/>).</summary>
    public static string? Normalize(IdentifierType type, string? raw) => type switch
    {
        _ when string.IsNullOrWhiteSpace(raw) => null,
        IdentifierType.UserId => raw,
        IdentifierType.Email => raw!.Trim(' ').ToLowerInvariant(),
        _ => raw!.Trim(' '),
    };

    /// <summary>The profile's identifier of <paramref name="type"/>, or null when it has none.</summary>
    public static string? Of(IdentifierType type, string? userId, IReadOnlyDictionary<string, JsonElement> traits) => type switch
    {
        IdentifierType.UserId => userId,
        IdentifierType.Email => Normalize(type, StringTrait(traits, "email")),
        _ => Normalize(type, StringTrait(traits, "phone")),
    };

    private static string? StringTrait(IReadOnlyDictionary<string, JsonElement> traits, string key) =>
        traits.TryGetValue(key, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
