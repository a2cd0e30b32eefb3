using System.Text.RegularExpressions;

namespace Alle.Ingestion.Sources;

/// <summary>An app or service that sends events with its own write key. <see cref="Id"/> is the slug events carry as their source.</summary>
internal sealed record Source(
    string Id,
    string Name,
    bool Enabled,
    int? RateLimitPerSecond,
    string WriteKeyHint,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? KeyRotatedAt);

internal static partial class SourceSlug
{
    /// <summary>A source id: lower-case letters, digits and dashes, 2 to 63 characters, starting with a letter.</summary>
    public static bool IsValid(string slug) => ValidSlug().IsMatch(slug);

    /// <summary>A slug derived from a display name ("Mobile App (iOS)" → "mobile-app-ios").</summary>
    public static string FromName(string name)
    {
        var slug = NonSlugCharacters().Replace(name.Trim().ToLowerInvariant(), "-").Trim('-');
        return slug.Length > 63 ? slug[..63].TrimEnd('-') : slug;
    }

    [GeneratedRegex("^[a-z][a-z0-9-]{1,62}$")]
    private static partial Regex ValidSlug();

    [GeneratedRegex("[^a-z0-9]+")]
    private static partial Regex NonSlugCharacters();
}
