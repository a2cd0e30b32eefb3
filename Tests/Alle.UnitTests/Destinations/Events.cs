using System.Text.Json.Nodes;

namespace Alle.UnitTests.Destinations;

/// <summary>Segment events for the destinations' tests, as <c>SegmentPayload</c> builds them.</summary>
internal static class Events
{
    public static JsonObject Track(string name, object? properties = null, object? context = null, string? userId = "u1", string messageId = "m1") =>
        Call("track", messageId, userId, new JsonObject
        {
            ["event"] = name,
            ["properties"] = Node(properties) ?? new JsonObject(),
            ["context"] = Node(context) ?? new JsonObject(),
        });

    public static JsonObject Identify(object traits, object? context = null, string userId = "u1", string messageId = "m1") =>
        Call("identify", messageId, userId, new JsonObject { ["traits"] = Node(traits), ["context"] = Node(context) ?? new JsonObject() });

    public static JsonObject Page(string name, object? properties = null, string messageId = "m1") =>
        Call("page", messageId, "u1", new JsonObject { ["name"] = name, ["properties"] = Node(properties) ?? new JsonObject(), ["context"] = new JsonObject() });

    public static JsonObject Consent(bool advertising, bool analytics) =>
        new() { ["consent"] = new JsonObject { ["categoryPreferences"] = new JsonObject { ["advertising"] = advertising, ["analytics"] = analytics } } };

    private static JsonObject Call(string type, string messageId, string? userId, JsonObject members)
    {
        var call = new JsonObject { ["type"] = type, ["messageId"] = messageId };
        if (userId is not null)
        {
            call["userId"] = userId;
        }
        foreach (var (name, value) in members.ToList())
        {
            members.Remove(name);
            call[name] = value;
        }
        return call;
    }

    private static JsonNode? Node(object? value) => value switch
    {
        null => null,
        JsonNode node => node,
        _ => JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(value)),
    };
}
