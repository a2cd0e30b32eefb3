using System.Diagnostics;
using System.Text;
using OpenTelemetry;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Removes personal data from URLs before they are recorded: paths carry identifiers (the Profile API's
/// <c>/profiles/phone:+15551234567/traits</c>, the sandbox inbox's <c>/inbox/+15551234567</c>, a coupon's code) and query
/// strings carry whatever a caller put there. A path segment that is an e-mail address, a phone number or the value of a
/// <c>type:value</c> identifier, or that follows <c>/coupons/</c>, becomes <see cref="Redacted"/>; every query value does.
/// </summary>
public static class UrlRedaction
{
    public const string Redacted = "{redacted}";
    public const string RedactedQueryValue = "Redacted";

    private const int MinPhoneDigits = 7;
    private const int MaxPhoneDigits = 15;

    /// <summary>Segments whose next segment is a secret rather than a name (a coupon's code redeems the coupon).</summary>
    private static readonly HashSet<string> s_secretFollows = new(StringComparer.OrdinalIgnoreCase) { "coupons" };

    public static string RedactPath(string path)
    {
        if (path.Length == 0)
        {
            return path;
        }

        var segments = path.Split('/');
        var changed = false;
        for (var i = 0; i < segments.Length; i++)
        {
            var redacted = i > 0 && segments[i].Length > 0 && s_secretFollows.Contains(segments[i - 1])
                ? Redacted
                : RedactSegment(segments[i]);
            if (!ReferenceEquals(redacted, segments[i]))
            {
                segments[i] = redacted;
                changed = true;
            }
        }
        return changed ? string.Join('/', segments) : path;
    }

    /// <summary>Keeps every name of a query string (with or without its leading <c>?</c>) and replaces every value.</summary>
    public static string RedactQuery(string query)
    {
        var body = query.StartsWith('?') ? query[1..] : query;
        if (body.Length == 0)
        {
            return query;
        }

        var redacted = new StringBuilder(query.Length);
        if (query.StartsWith('?'))
        {
            redacted.Append('?');
        }
        var pairs = body.Split('&');
        for (var i = 0; i < pairs.Length; i++)
        {
            if (i > 0)
            {
                redacted.Append('&');
            }
            var equals = pairs[i].IndexOf('=', StringComparison.Ordinal);
            redacted.Append(equals < 0 ? pairs[i] : string.Concat(pairs[i].AsSpan(0, equals + 1), RedactedQueryValue));
        }
        var result = redacted.ToString();
        return result == query ? query : result;
    }

    /// <summary>Redacts the path and query of an absolute or relative URL and drops its fragment.</summary>
    public static string RedactUrl(string url)
    {
        var fragment = url.IndexOf('#', StringComparison.Ordinal);
        var withoutFragment = fragment < 0 ? url : url[..fragment];
        var queryStart = withoutFragment.IndexOf('?', StringComparison.Ordinal);
        var beforeQuery = queryStart < 0 ? withoutFragment : withoutFragment[..queryStart];
        var query = queryStart < 0 ? "" : RedactQuery(withoutFragment[queryStart..]);

        var authorityEnd = 0;
        var scheme = beforeQuery.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            var pathStart = beforeQuery.IndexOf('/', scheme + 3);
            authorityEnd = pathStart < 0 ? beforeQuery.Length : pathStart;
        }
        var redacted = string.Concat(beforeQuery.AsSpan(0, authorityEnd), RedactPath(beforeQuery[authorityEnd..]), query);
        return redacted == url ? url : redacted;
    }

    private static string RedactSegment(string segment)
    {
        if (segment.Length == 0)
        {
            return segment;
        }

        var decoded = Uri.UnescapeDataString(segment);
        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon > 0 && IsIdentifierType(decoded.AsSpan(0, colon)))
        {
            return string.Concat(decoded.AsSpan(0, colon + 1), Redacted);
        }
        return decoded.Contains('@', StringComparison.Ordinal) || IsPhoneNumber(decoded) ? Redacted : segment;
    }

    /// <summary>The <c>phone</c>, <c>email</c>, <c>user_id</c>… of a Profile API identifier such as <c>phone:+15551234567</c>.</summary>
    private static bool IsIdentifierType(ReadOnlySpan<char> type)
    {
        foreach (var character in type)
        {
            if (!char.IsAsciiLetter(character) && character != '_')
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>An international number (<c>+1 555-123-4567</c>) or a run of digits as long as one (numeric ids go too).</summary>
    private static bool IsPhoneNumber(string value)
    {
        var international = value.StartsWith('+');
        var digits = 0;
        foreach (var character in international ? value.AsSpan(1) : value)
        {
            if (char.IsAsciiDigit(character))
            {
                digits++;
            }
            else if (!international || character is not (' ' or '-' or '.' or '(' or ')'))
            {
                return false;
            }
        }
        return digits is >= MinPhoneDigits and <= MaxPhoneDigits;
    }
}

/// <summary>Applies <see cref="UrlRedaction"/> to the URL tags of every span when it ends, before it is exported.</summary>
internal sealed class UrlRedactionProcessor : BaseProcessor<Activity>
{
    private static readonly string[] s_pathTags = ["url.path", "http.target"];
    private static readonly string[] s_urlTags = ["url.full", "http.url"];

    public override void OnEnd(Activity activity)
    {
        foreach (var tag in s_pathTags)
        {
            Redact(activity, tag, value =>
            {
                var query = value.IndexOf('?', StringComparison.Ordinal);
                return query < 0 ? UrlRedaction.RedactPath(value) : UrlRedaction.RedactPath(value[..query]) + UrlRedaction.RedactQuery(value[query..]);
            });
        }
        foreach (var tag in s_urlTags)
        {
            Redact(activity, tag, UrlRedaction.RedactUrl);
        }
        Redact(activity, "url.query", UrlRedaction.RedactQuery);
    }

    private static void Redact(Activity activity, string tag, Func<string, string> redact)
    {
        if (activity.GetTagItem(tag) is string value && redact(value) is var redacted && redacted != value)
        {
            activity.SetTag(tag, redacted);
        }
    }
}
