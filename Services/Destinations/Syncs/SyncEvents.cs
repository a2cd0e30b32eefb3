using System.Text.Json.Nodes;
using Alle.Destinations.Configuration;
using Alle.Destinations.Delivery;

namespace Alle.Destinations.Syncs;

/// <summary>
/// The calls an Engage sync sends, as Segment's Engage does: for an audience, an identify setting the trait
/// <c>&lt;audience_key&gt;: true/false</c> and/or an <c>Audience Entered</c> / <c>Audience Exited</c> track call (properties
/// <c>audience_key</c>, <c>audience_name</c>, <c>audience_id</c> and <c>&lt;audience_key&gt;</c>); for a computed trait,
/// an identify with its value. <c>context.personas</c> names the computation, and the source is <c>engage</c>.
/// Message ids are derived from the change, so a change redelivered is the same message.
/// </summary>
internal static class SyncEvents
{
    public const string EnteredEvent = "Audience Entered";
    public const string ExitedEvent = "Audience Exited";
    public const string SourceId = "engage";

    public static IReadOnlyList<JsonObject> ForMembership(Sync sync, string userId, bool member, string changeId, DateTimeOffset at, DateTimeOffset now)
    {
        var calls = new List<JsonObject>(2);
        if (sync.SendIdentify)
        {
            calls.Add(Call("identify", $"{changeId}-identify", userId, at, now, Personas(sync), new JsonObject { ["traits"] = new JsonObject { [sync.Key] = member } }));
        }
        if (sync.SendTrack)
        {
            calls.Add(Call("track", $"{changeId}-track", userId, at, now, Personas(sync), new JsonObject
            {
                ["event"] = member ? EnteredEvent : ExitedEvent,
                ["properties"] = new JsonObject
                {
                    ["audience_key"] = sync.Key,
                    ["audience_name"] = sync.Name,
                    ["audience_id"] = sync.DefinitionId.ToString(),
                    [sync.Key] = member,
                },
            }));
        }
        return calls;
    }

    public static JsonObject ForComputedValue(Sync sync, string userId, JsonNode? value, string changeId, DateTimeOffset at, DateTimeOffset now) =>
        Call("identify", $"{changeId}-identify", userId, at, now, Personas(sync), new JsonObject { ["traits"] = new JsonObject { [sync.Key] = value?.DeepClone() } });

    /// <summary>For a mapping's <c>audience</c> variable: the audience a sync call is about (key, name, id, entered), else null.</summary>
    public static JsonObject? AudienceOf(JsonObject segmentEvent)
    {
        if (segmentEvent["context"] is not JsonObject context || context["personas"] is not JsonObject personas
            || personas["computation_class"]?.GetValue<string>() != "audience" || personas["computation_key"]?.GetValue<string>() is not { } key)
        {
            return null;
        }
        var members = segmentEvent["traits"] as JsonObject ?? segmentEvent["properties"] as JsonObject;
        return new JsonObject
        {
            ["key"] = key,
            ["id"] = personas["computation_id"]?.DeepClone(),
            ["name"] = personas["computation_name"]?.DeepClone(),
            ["entered"] = members?[key]?.DeepClone(),
        };
    }

    private static JsonObject Personas(Sync sync) => new()
    {
        ["computation_class"] = sync.Kind == SyncKinds.Audience ? "audience" : "computed_trait",
        ["computation_id"] = sync.DefinitionId.ToString(),
        ["computation_key"] = sync.Key,
        ["computation_name"] = sync.Name,
        ["space_id"] = "alle",
    };

    private static JsonObject Call(string type, string messageId, string userId, DateTimeOffset at, DateTimeOffset now, JsonObject personas, JsonObject members)
    {
        var call = new JsonObject { ["type"] = type, ["messageId"] = messageId };
        foreach (var (name, value) in members.ToList())
        {
            members.Remove(name);
            call[name] = value;
        }
        call["userId"] = userId;
        call["context"] = new JsonObject { ["personas"] = personas, ["library"] = new JsonObject { ["name"] = "alle-engage", ["version"] = "1.0" } };
        call["integrations"] = new JsonObject();
        call["timestamp"] = SegmentPayload.Timestamp(at);
        call["receivedAt"] = SegmentPayload.Timestamp(now);
        call["channel"] = "server";
        call["projectId"] = SourceId;
        call["version"] = SegmentPayload.Version;
        return call;
    }
}
