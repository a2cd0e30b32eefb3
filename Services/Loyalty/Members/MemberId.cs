using System.Security.Cryptography;

namespace Alle.Loyalty.Members;

/// <summary>Member ids (the profile's userId): <c>mbr_</c> and 22 random base-62 characters (~131 bits), never guessable or sequential.</summary>
internal static class MemberId
{
    private const string Base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    public static string New() => "mbr_" + RandomNumberGenerator.GetString(Base62, 22);

    public static bool IsWellFormed(string? id) => id is { Length: 26 } && id.StartsWith("mbr_", StringComparison.Ordinal) && id[4..].All(char.IsAsciiLetterOrDigit);
}
