using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alle.Destinations.Validation;

namespace Alle.Destinations.Filtering;

/// <summary>
/// A destination's filters, as Segment's destination filters, applied in order to each event before it is queued:
/// <list type="bullet">
/// <item><c>{"action": "drop", "if": condition}</c> — matching events are not sent;</item>
/// <item><c>{"action": "keepProperties", "properties": ["plan", "address.city"]}</c> — only these members of
/// <c>properties</c> (track, page, screen) or <c>traits</c> (identify, group) are sent;</item>
/// <item><c>{"action": "dropProperties", "properties": ["email"]}</c> — these members are removed;</item>
/// <item><c>{"action": "sample", "percent": 10, "by": "messageId" | "userId"}</c> — a stable share of events (the same
/// event, or the same person, always gets the same answer, so a redelivery is decided alike).</item>
/// </list>
/// Each may carry an <c>if</c> condition limiting it to matching events.
/// </summary>
internal sealed class DestinationFilters
{
    public const int MaxFilters = 50;

    public static readonly DestinationFilters None = new([]);

    private readonly IReadOnlyList<Filter> _filters;

    private DestinationFilters(IReadOnlyList<Filter> filters) => _filters = filters;

    public int Count => _filters.Count;

    public static DestinationFilters? Parse(JsonElement json, string path, ValidationErrors errors)
    {
        if (json.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return None;
        }
        if (json.ValueKind != JsonValueKind.Array || json.GetArrayLength() > MaxFilters)
        {
            errors.Add(path, $"Filters are an array of at most {MaxFilters} filters.");
            return null;
        }
        var filters = new List<Filter>();
        var index = 0;
        foreach (var item in json.EnumerateArray())
        {
            if (ParseFilter(item, ValidationErrors.Item(path, index++), errors) is { } filter)
            {
                filters.Add(filter);
            }
        }
        return errors.IsEmpty ? new DestinationFilters(filters) : null;
    }

    /// <summary>The event as the destination receives it, or why it is not sent (<c>filter:2:drop</c>, <c>filter:0:sample</c>).</summary>
    public FilterResult Apply(JsonObject segmentEvent)
    {
        var current = segmentEvent;
        var copied = false;
        for (var i = 0; i < _filters.Count; i++)
        {
            var filter = _filters[i];
            if (filter.If is { } condition && !condition.Matches(current))
            {
                continue;
            }
            switch (filter)
            {
                case DropFilter:
                    return FilterResult.Dropped($"filter:{i}:drop");
                case SampleFilter sample when !sample.Keeps(current):
                    return FilterResult.Dropped($"filter:{i}:sample");
                case PropertiesFilter properties when Members(current) is not null:
                    if (!copied)
                    {
                        current = (JsonObject)current.DeepClone();
                        copied = true;
                    }
                    var members = Members(current)!;
                    if (properties.Keep)
                    {
                        current[MembersName(current)] = KeepOnly(members, properties.Paths);
                    }
                    else
                    {
                        properties.Paths.ToList().ForEach(p => Remove(members, p));
                    }
                    break;
            }
        }
        return FilterResult.Kept(current);
    }

    private static string MembersName(JsonObject segmentEvent) =>
        segmentEvent["type"]?.GetValue<string>() is "identify" or "group" ? "traits" : "properties";

    private static JsonObject? Members(JsonObject segmentEvent) => segmentEvent[MembersName(segmentEvent)] as JsonObject;

    private static JsonObject KeepOnly(JsonObject members, IReadOnlyList<IReadOnlyList<string>> paths)
    {
        var kept = new JsonObject();
        foreach (var path in paths)
        {
            if (FieldCondition.Navigate(members, path) is not { } value)
            {
                continue;
            }
            var target = kept;
            foreach (var segment in path.Take(path.Count - 1))
            {
                if (target[segment] is not JsonObject next)
                {
                    target[segment] = next = new JsonObject();
                }
                target = next;
            }
            target[path[^1]] = value.DeepClone();
        }
        return kept;
    }

    private static void Remove(JsonObject members, IReadOnlyList<string> path)
    {
        if (FieldCondition.Navigate(members, path.Take(path.Count - 1).ToList()) is JsonObject parent)
        {
            parent.Remove(path[^1]);
        }
    }

    private static Filter? ParseFilter(JsonElement json, string path, ValidationErrors errors)
    {
        if (json.ValueKind != JsonValueKind.Object || !json.TryGetProperty("action", out var action) || action.ValueKind != JsonValueKind.String)
        {
            errors.Add(path, "A filter is an object with an action: drop, keepProperties, dropProperties or sample.");
            return null;
        }
        Condition? condition = null;
        if (json.TryGetProperty("if", out var ifJson))
        {
            condition = ConditionParser.Parse(ifJson, ValidationErrors.Member(path, "if"), errors);
            if (condition is null)
            {
                return null;
            }
        }
        errors.OnlyMembers(json, path, action.GetString() switch
        {
            "keepProperties" or "dropProperties" => ["action", "if", "properties"],
            "sample" => ["action", "if", "percent", "by"],
            _ => ["action", "if"],
        });
        switch (action.GetString())
        {
            case "drop":
                if (condition is null)
                {
                    errors.Add(ValidationErrors.Member(path, "if"), "A drop filter needs the condition of the events it drops.");
                    return null;
                }
                return new DropFilter(condition);
            case "keepProperties" or "dropProperties":
                var propertiesPath = ValidationErrors.Member(path, "properties");
                if (!json.TryGetProperty("properties", out var list) || list.ValueKind != JsonValueKind.Array || list.GetArrayLength() is 0 or > 200
                    || list.EnumerateArray().Any(p => p.ValueKind != JsonValueKind.String || ConditionParser.ReadPath(p.GetString()!) is null))
                {
                    errors.Add(propertiesPath, "A list of 1 to 200 property names (dotted paths for nested members) is required.");
                    return null;
                }
                return new PropertiesFilter(condition, action.GetString() == "keepProperties",
                    [.. list.EnumerateArray().Select(p => ConditionParser.ReadPath(p.GetString()!)!)]);
            case "sample":
                var percentPath = ValidationErrors.Member(path, "percent");
                if (!json.TryGetProperty("percent", out var percent) || percent.ValueKind != JsonValueKind.Number || !percent.TryGetDouble(out var share)
                    || share is < 0 or > 100)
                {
                    errors.Add(percentPath, "A percentage between 0 and 100 is required.");
                    return null;
                }
                var by = !json.TryGetProperty("by", out var byJson) || byJson.ValueKind == JsonValueKind.Null ? "messageId"
                    : byJson.ValueKind == JsonValueKind.String ? byJson.GetString() : null;
                if (by is not ("messageId" or "userId"))
                {
                    errors.Add(ValidationErrors.Member(path, "by"), "Sample by messageId (each event) or userId (each person).");
                    return null;
                }
                return new SampleFilter(condition, share, by == "userId");
            default:
                errors.Add(ValidationErrors.Member(path, "action"), "The action is one of drop, keepProperties, dropProperties, sample.");
                return null;
        }
    }

    private abstract record Filter(Condition? If);

    private sealed record DropFilter(Condition Condition) : Filter(Condition);

    private sealed record PropertiesFilter(Condition? Condition, bool Keep, IReadOnlyList<IReadOnlyList<string>> Paths) : Filter(Condition);

    private sealed record SampleFilter(Condition? Condition, double Percent, bool ByPerson) : Filter(Condition)
    {
        public bool Keeps(JsonObject segmentEvent)
        {
            var key = ByPerson
                ? segmentEvent["userId"]?.GetValue<string>() ?? segmentEvent["anonymousId"]?.GetValue<string>()
                : segmentEvent["messageId"]?.GetValue<string>();
            return Bucket(key ?? "") < Percent * 100;
        }
    }

    /// <summary>A stable bucket in [0, 10000) for a key (FNV-1a): the same key always lands in the same bucket.</summary>
    public static int Bucket(string key)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(key))
        {
            hash = unchecked((hash ^ b) * 16777619u);
        }
        return (int)(hash % 10_000);
    }
}

internal sealed record FilterResult(JsonObject? Event, string? DroppedBy)
{
    public static FilterResult Kept(JsonObject segmentEvent) => new(segmentEvent, null);

    public static FilterResult Dropped(string reason) => new(null, reason);
}
