using System.Security.Cryptography;
using System.Text;

namespace Alle.Destinations.Delivery;

/// <summary>
/// The signatures on every request, computed over the raw body bytes exactly as sent, keyed with the destination's
/// secret (UTF-8): <c>X-Signature</c> is the lower-case hex HMAC-SHA1, as Segment's Webhooks destination signs with its
/// shared secret, so receivers written for Segment verify it unchanged; <c>X-Signature-256</c> is <c>sha256=</c> and
/// the lower-case hex HMAC-SHA256, for receivers that want a SHA-2 signature. Compare in constant time.
/// </summary>
internal static class WebhookSignature
{
    public const string Header = "X-Signature";
    public const string Sha256Header = "X-Signature-256";

    public static string Sha1(string secret, ReadOnlySpan<byte> body) =>
        Convert.ToHexStringLower(HMACSHA1.HashData(Encoding.UTF8.GetBytes(secret), body));

    public static string Sha256(string secret, ReadOnlySpan<byte> body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    public static bool Verify(string secret, ReadOnlySpan<byte> body, string? presented) =>
        presented is not null && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Sha1(secret, body)), Encoding.ASCII.GetBytes(presented));
}
