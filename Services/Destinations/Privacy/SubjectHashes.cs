using System.Security.Cryptography;
using System.Text;
using Alle.Contracts;
using Alle.Platform.Identifiers;

namespace Alle.Destinations.Privacy;

/// <summary>
/// A person's identifiers as Destinations stores them beside her queued events, consent and the suppression and deletion
/// lists: SHA-256 of <c>type:value</c> (as <see cref="SubjectIdentifiers"/> normalises them), so those tables can find her
/// rows without listing phones, e-mails or ids.
/// </summary>
internal static class SubjectHashes
{
    public static string Of(Identifier identifier) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(SubjectIdentifiers.Key(identifier))));

    public static string[] Of(IEnumerable<Identifier> identifiers) => [.. identifiers.Select(Of).Distinct(StringComparer.Ordinal)];

    public static string? OfUser(string? userId, string? anonymousId) =>
        userId is { Length: > 0 } ? Of(new Identifier("user_id", userId))
        : anonymousId is { Length: > 0 } ? Of(new Identifier("anonymous_id", anonymousId))
        : null;
}
