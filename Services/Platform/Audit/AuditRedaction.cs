using System.Text.Json;
using System.Text.Json.Nodes;

namespace Alle.Platform.Audit;

/// <summary>
/// The audit log is append-only, so it must never hold what a deletion request would have to erase: besides phones and
/// e-mails (masked), the ids that name a person — user ids, anonymous ids, member ids, a regulation's subjects — are
/// replaced by <c>•••</c> wherever a summary names them.
/// </summary>
public static class AuditRedaction
{
    public const string Redacted = "•••";

    private static readonly HashSet<string> PersonIdKeys = new(StringComparer.OrdinalIgnoreCase)
    {
        "userId", "user_id", "anonymousId", "anonymous_id", "memberId", "member_id", "previousId", "previous_id", "subjectId", "subjectIds", "subject",
    };

    public static string WithoutPersonIds(string text)
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
                    obj[name] = PersonIdKeys.Contains(name) ? RedactAll(child) : Redact(child.DeepClone());
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
            default:
                return node;
        }
    }

    private static JsonNode RedactAll(JsonNode node) => node is JsonArray array
        ? new JsonArray([.. array.Select(_ => (JsonNode?)JsonValue.Create(Redacted))])
        : JsonValue.Create(Redacted);
}
