using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alle.Contracts;

namespace Alle.Destinations.Delivery;

/// <summary>
/// An event as Segment's Webhooks destination posts it: the call in Segment's spec (<c>type</c>, <c>messageId</c>, ids,
/// <c>event</c>/<c>name</c>, <c>properties</c> or <c>traits</c>, <c>context</c>, <c>integrations</c>, the four
/// timestamps) plus <c>channel</c>, <c>projectId</c> (the source) and <c>version</c>. The sender's JSON is kept as sent.
/// </summary>
internal static class SegmentPayload
{
    public const int Version = 2;

    public static JsonObject From(TrackedEvent call)
    {
        var payload = new JsonObject
        {
            ["type"] = call.Type,
            ["messageId"] = call.MessageId,
        };
        switch (call.Type)
        {
            case "track":
                payload["event"] = call.Event;
                break;
            case "page" or "screen" when call.Name is not null:
                payload["name"] = call.Name;
                break;
            case "group":
                payload["groupId"] = call.GroupId;
                break;
            case "alias":
                payload["previousId"] = call.PreviousId;
                break;
        }
        if (call.UserId is not null)
        {
            payload["userId"] = call.UserId;
        }
        if (call.AnonymousId is not null)
        {
            payload["anonymousId"] = call.AnonymousId;
        }
        if (call.Type is "identify" or "group")
        {
            payload["traits"] = Node(call.Traits) ?? new JsonObject();
        }
        else if (call.Type is "track" or "page" or "screen")
        {
            payload["properties"] = Node(call.Properties) ?? new JsonObject();
        }
        payload["context"] = Node(call.Context) ?? new JsonObject();
        payload["integrations"] = Node(call.Integrations) ?? new JsonObject();
        payload["timestamp"] = Timestamp(call.Timestamp);
        if (call.OriginalTimestamp is { } original)
        {
            payload["originalTimestamp"] = Timestamp(original);
        }
        if (call.SentAt is { } sentAt)
        {
            payload["sentAt"] = Timestamp(sentAt);
        }
        payload["receivedAt"] = Timestamp(call.ReceivedAt);
        payload["channel"] = "server";
        payload["projectId"] = call.SourceId;
        payload["version"] = Version;
        return payload;
    }

    /// <summary>Segment's timestamp form: UTC with milliseconds (<c>2025-03-01T12:00:00.000Z</c>).</summary>
    public static string Timestamp(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static JsonNode? Node(JsonElement? element) => element is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) } value
        ? JsonNode.Parse(value.GetRawText())
        : null;
}
