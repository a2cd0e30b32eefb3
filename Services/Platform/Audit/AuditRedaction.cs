using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Routing.Patterns;

namespace Alle.Platform.Audit;

/// <summary>
/// The audit log is append-only, so it must never hold what a deletion request would have to erase: besides phones and
/// e-mails (masked), the ids that name a person — user ids, anonymous ids, member ids, a regulation's subjects — are
/// replaced by <c>•••</c> wherever a summary names them, and so are the segments of a resource path that stand for one
/// (<c>/api/loyalty/members/{memberId}</c>, <c>/api/messaging/consent/{phone}</c>, <c>/api/profiles/{profileId}/…</c>).
/// Nor may it hold a credential: passwords, secrets, write keys and tokens in a summary (an operator's password in the
/// request creating her, a key shown once in the answer creating it) are replaced the same way.
/// </summary>
public static class AuditRedaction
{
    public const string Redacted = "•••";

    private static readonly HashSet<string> PersonIdKeys = new(StringComparer.OrdinalIgnoreCase)
    {
        "userId", "user_id", "anonymousId", "anonymous_id", "memberId", "member_id", "previousId", "previous_id", "subjectId", "subjectIds", "subject",
    };

    private static readonly HashSet<string> SecretKeys = new(StringComparer.OrdinalIgnoreCase)
    {
        "password", "newPassword", "currentPassword", "passwordHash", "secret", "signingSecret", "writeKey", "write_key", "token",
        "accessToken", "authToken", "apiKey", "api_key",
    };

    /// <summary>The prefixes of the platform's own credentials (API keys, member and operator tokens), wherever they appear.</summary>
    private static readonly string[] SecretPrefixes = ["alle_", "mt1.", "ot1."];

    /// <summary>Route parameters whose value names a person.</summary>
    private static readonly HashSet<string> PersonRouteParameters = new(StringComparer.OrdinalIgnoreCase)
    {
        "userId", "memberId", "anonymousId", "profile", "profileId", "identifier", "phone", "email", "subject",
    };

    /// <summary>Whether a route parameter's value names a person (and so never goes into the log).</summary>
    public static bool NamesAPerson(string routeParameter) => PersonRouteParameters.Contains(routeParameter);

    /// <summary>
    /// The request path with each segment that fills a person-naming parameter of its route replaced by <c>•••</c>;
    /// a path that cannot be laid over its route is written as the route itself, which names nobody.
    /// </summary>
    public static string ResourceWithoutPersonIds(string path, RoutePattern? route)
    {
        if (route is null || !route.Parameters.Any(parameter => PersonRouteParameters.Contains(parameter.Name)))
        {
            return path;
        }
        var segments = path.Trim('/').Split('/');
        if (segments.Length != route.PathSegments.Count || route.Parameters.Any(parameter => parameter.IsCatchAll))
        {
            return "/" + route.RawText?.TrimStart('/');
        }
        for (var i = 0; i < segments.Length; i++)
        {
            var parts = route.PathSegments[i].Parts;
            if (parts.OfType<RoutePatternParameterPart>().Any(parameter => PersonRouteParameters.Contains(parameter.Name)))
            {
                segments[i] = Redacted;
            }
        }
        return "/" + string.Join('/', segments);
    }

    /// <summary>A summary without the ids that name a person and without credentials.</summary>
    public static string ForSummary(string text)
    {
        try
        {
            return JsonNode.Parse(text) is { } node ? Redact(node).ToJsonString() : text;
        }
        catch (JsonException)
        {
            return text;
        }
    }

    private static JsonNode Redact(JsonNode node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj.ToList())
                {
                    if (child is null)
                    {
                        continue;
                    }
                    obj[name] = PersonIdKeys.Contains(name) || SecretKeys.Contains(name) ? RedactAll(child) : Redact(child.DeepClone());
                }
                return obj;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    if (array[i] is { } item)
                    {
                        array[i] = Redact(item.DeepClone());
                    }
                }
                return array;
            case JsonValue value when value.TryGetValue<string>(out var text) && SecretPrefixes.Any(prefix => text.StartsWith(prefix, StringComparison.Ordinal)):
                return JsonValue.Create(Redacted);
            default:
                return node;
        }
    }

    private static JsonNode RedactAll(JsonNode node) => node is JsonArray array
        ? new JsonArray([.. array.Select(_ => (JsonNode?)JsonValue.Create(Redacted))])
        : JsonValue.Create(Redacted);
}
