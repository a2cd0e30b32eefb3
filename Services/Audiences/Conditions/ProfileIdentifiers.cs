using System.Text.Json;

namespace Alle.Audiences.Conditions;

/// <summary>The identifier a reverse ETL model keys its rows by.</summary>
internal enum IdentifierType
{
    UserId,
    Email,
    Phone,
}

/// <summary>
/// How a profile and a model row are matched: the user id as is, the e-mail trimmed and lower-cased, the phone trimmed
/// (profiles hold phones in E.164 already). The SQL compiler's identifier expressions do the same.
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
