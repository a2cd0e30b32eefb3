using System.Security.Cryptography;

namespace Alle.Loyalty.Offers;

/// <summary>
/// Coupon codes: 11 characters from a cryptographic random source and one check character, shown as
/// <c>XXXX-XXXX-XXXX</c>. The alphabet leaves out characters people confuse (0/O, 1/I/L) and has 31 symbols; because 31
/// is prime, the position-weighted check character catches every single mistyped character and every swap of two
/// neighbouring characters. 31^11 ≈ 2.5 × 10^16 possible codes: not guessable, and never sequential.
/// </summary>
internal static class CouponCode
{
    public const string Alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    private const int RandomLength = 11;
    public const int Length = RandomLength + 1;

    public static string Generate()
    {
        var body = RandomNumberGenerator.GetString(Alphabet, RandomLength);
        return Format(body + CheckCharacter(body));
    }

    /// <summary>
    /// The canonical code (<c>XXXX-XXXX-XXXX</c>) for what someone typed (any case, with or without separators), or null
    /// when it is not a well-formed code (wrong length, a character outside the alphabet, or a failed check character).
    /// </summary>
    public static string? Normalize(string? typed)
    {
        if (string.IsNullOrWhiteSpace(typed) || typed.Length > 32)
        {
            return null;
        }
        var compact = new string(typed.Where(c => c is not ('-' or ' ')).Select(char.ToUpperInvariant).ToArray());
        if (compact.Length != Length || compact.Any(c => !Alphabet.Contains(c, StringComparison.Ordinal)))
        {
            return null;
        }
        return CheckCharacter(compact.AsSpan(0, RandomLength)) == compact[RandomLength] ? Format(compact) : null;
    }

    internal static char CheckCharacter(ReadOnlySpan<char> body)
    {
        var sum = 0;
        for (var i = 0; i < body.Length; i++)
        {
            sum += (i + 1) * Alphabet.IndexOf(body[i], StringComparison.Ordinal);
        }
        return Alphabet[sum % Alphabet.Length];
    }

    private static string Format(string compact) => $"{compact[..4]}-{compact[4..8]}-{compact[8..]}";
}
