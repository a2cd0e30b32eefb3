using System.Security.Cryptography;
using System.Text;

namespace Alle.Messaging.Twilio;

/// <summary>
/// Twilio's request signature (<c>X-Twilio-Signature</c>): HMAC-SHA1, keyed with the auth token, of the full URL the
/// request was sent to followed by every POST parameter's name and value, sorted by name (a repeated name once per
/// distinct value, values sorted), base64-encoded.
/// </summary>
internal static class TwilioSignature
{
    public static string Compute(string authToken, string url, IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var data = new StringBuilder(url);
        foreach (var field in parameters.GroupBy(p => p.Key, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            foreach (var value in field.Select(p => p.Value).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            {
                data.Append(field.Key).Append(value);
            }
        }
        return Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(authToken), Encoding.UTF8.GetBytes(data.ToString())));
    }

    /// <summary>
    /// True when <paramref name="signature"/> matches the URL as received, or the same URL with its default port written
    /// out or left off (Twilio signs the URL as configured, which may differ from ours in just that).
    /// </summary>
    public static bool IsValid(string authToken, string url, IEnumerable<KeyValuePair<string, string>> parameters, string? signature)
    {
        if (string.IsNullOrEmpty(signature))
        {
            return false;
        }
        var fields = parameters.ToList();
        var presented = Encoding.ASCII.GetBytes(signature);
        return UrlVariants(url).Any(candidate =>
            CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Compute(authToken, candidate, fields)), presented));
    }

    private static IEnumerable<string> UrlVariants(string url)
    {
        yield return url;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            yield break;
        }
        var authority = url.IndexOf("://", StringComparison.Ordinal) + 3;
        var pathStart = url.IndexOfAny(['/', '?', '#'], authority);
        var host = pathStart < 0 ? url[authority..] : url[authority..pathStart];
        var rest = pathStart < 0 ? "" : url[pathStart..];
        var colon = host.LastIndexOf(':');
        var hasPort = colon > host.LastIndexOf(']');
        if (hasPort && uri.IsDefaultPort)
        {
            yield return $"{uri.Scheme}://{host[..colon]}{rest}";
        }
        else if (!hasPort)
        {
            yield return $"{uri.Scheme}://{host}:{uri.Port}{rest}";
        }
    }
}
