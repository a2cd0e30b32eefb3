using System.Security.Cryptography;
using System.Text;

namespace Alle.TwilioSandbox.Phones;

/// <summary>Signs webhooks as Twilio does: base64 HMAC-SHA1 (auth token) of the URL followed by each POST parameter's name and value, sorted by name.</summary>
internal static class RequestSigner
{
    public static string Sign(string authToken, string url, IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var data = new StringBuilder(url);
        foreach (var (name, value) in parameters.OrderBy(p => p.Key, StringComparer.Ordinal).ThenBy(p => p.Value, StringComparer.Ordinal))
        {
            data.Append(name).Append(value);
        }
        return Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(authToken), Encoding.UTF8.GetBytes(data.ToString())));
    }
}
