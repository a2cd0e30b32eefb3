using System.Security.Cryptography;
using System.Text;

namespace Alle.Messaging.Twilio;

/// <summary>
/// Twilio's request signature (<c>X-Twilio-Signature</c>): HMAC-SHA1, keyed with the auth token, of the full URL the
/// request was sent to followed by every POST parameter's name and value, sorted by name (repeated names by value),
/// base64-encoded.
/// </summary>
internal static class TwilioSignature
{
    public static string Compute(string authToken, string url, IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var data = new StringBuilder(url);
        foreach (var (name, value) in parameters
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .ThenBy(p => p.Value, StringComparer.Ordinal))
        {
            data.Append(name).Append(value);
        }
        return Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(authToken), Encoding.UTF8.GetBytes(data.ToString())));
    }

    public static bool IsValid(string authToken, string url, IEnumerable<KeyValuePair<string, string>> parameters, string? signature)
    {
        if (string.IsNullOrEmpty(signature))
        {
            return false;
        }
        var expected = Compute(authToken, url, parameters);
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(signature));
    }
}
