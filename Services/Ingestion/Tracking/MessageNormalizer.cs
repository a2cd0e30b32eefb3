using System.Buffers;
using System.Text.Json;
using Alle.Contracts;

namespace Alle.Ingestion.Tracking;

/// <summary>Where and when a request arrived: what the server adds to each call.</summary>
internal readonly record struct Arrival(string SourceId, DateTimeOffset ReceivedAt, string? ClientIp);

/// <summary>A call that is not forwarded, with the reason (counted per source and shown to operators).</summary>
internal sealed record RejectedMessage(string Reason, string? MessageId, string? Type, string? Event, string? UserId, string? AnonymousId, JsonElement? Payload);

/// <summary>
/// Turns one call of Segment's spec into a <see cref="TrackedEvent"/>, or says why it is invalid: identity present,
/// required fields per type, field types, messageId length; adds receivedAt, a messageId when absent, the client's IP,
/// merges the batch's context and integrations (the call's own values win) and corrects the device clock.
/// </summary>
internal static class MessageNormalizer
{
    public static readonly IReadOnlySet<string> CallTypes = new HashSet<string>(StringComparer.Ordinal) { "identify", "track", "page", "screen", "group", "alias" };

    public static (TrackedEvent? Event, RejectedMessage? Rejection) Normalize(JsonElement message, string? impliedType, BatchDefaults defaults, Arrival arrival)
    {
        if (message.ValueKind != JsonValueKind.Object)
        {
            return (null, new RejectedMessage("not a JSON object", null, null, null, null, null, message));
        }

        var messageIdResult = ReadId(message, "messageId");
        var messageId = messageIdResult.Value;
        var type = impliedType ?? (message.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null);
        var userId = ReadId(message, "userId");
        var anonymousId = ReadId(message, "anonymousId");
        var eventName = ReadText(message, "event");

        RejectedMessage Reject(string reason) => new(reason, messageId, type, eventName.Value, userId.Value, anonymousId.Value, message);

        if (type is null || !CallTypes.Contains(type))
        {
            return (null, Reject("unknown type: expected identify, track, page, screen, group or alias"));
        }
        if (messageIdResult.Invalid || userId.Invalid || anonymousId.Invalid)
        {
            return (null, Reject("invalid field: messageId, userId and anonymousId must be strings"));
        }
        if (messageId is { Length: > TrackingLimits.MaxMessageIdLength })
        {
            return (null, Reject($"messageId over {TrackingLimits.MaxMessageIdLength} characters"));
        }
        if (string.IsNullOrEmpty(userId.Value) && string.IsNullOrEmpty(anonymousId.Value))
        {
            return (null, Reject("missing userId and anonymousId"));
        }

        var name = ReadText(message, "name");
        var groupId = ReadId(message, "groupId");
        var previousId = ReadId(message, "previousId");
        if (eventName.Invalid || name.Invalid || groupId.Invalid || previousId.Invalid)
        {
            return (null, Reject("invalid field: event, name, groupId and previousId must be strings"));
        }

        switch (type)
        {
            case "track" when string.IsNullOrWhiteSpace(eventName.Value):
                return (null, Reject("track without event"));
            case "alias" when string.IsNullOrEmpty(previousId.Value):
                return (null, Reject("alias without previousId"));
            case "alias" when string.IsNullOrEmpty(userId.Value):
                return (null, Reject("alias without userId"));
            case "group" when string.IsNullOrEmpty(groupId.Value):
                return (null, Reject("group without groupId"));
        }

        if (!TryReadObject(message, "properties", out var properties) || !TryReadObject(message, "traits", out var traits)
            || !TryReadObject(message, "context", out var context) || !TryReadObject(message, "integrations", out var integrations))
        {
            return (null, Reject("invalid field: properties, traits, context and integrations must be objects"));
        }

        DateTimeOffset? original = null, sentAt = null;
        if ((message.TryGetProperty("originalTimestamp", out var originalValue) && !TrackingRequest.TryReadTimestamp(originalValue, out original))
            || (original is null && message.TryGetProperty("timestamp", out var timestampValue) && !TrackingRequest.TryReadTimestamp(timestampValue, out original))
            || (message.TryGetProperty("sentAt", out var sentAtValue) && !TrackingRequest.TryReadTimestamp(sentAtValue, out sentAt)))
        {
            return (null, Reject("invalid timestamp: timestamp, originalTimestamp and sentAt must be ISO-8601 dates"));
        }
        sentAt ??= defaults.SentAt;

        if (type is "page" or "screen" && message.TryGetProperty("category", out var category) && category.ValueKind == JsonValueKind.String)
        {
            properties = Merge(properties, null, extra: ("category", category));
        }

        var trackedEvent = new TrackedEvent(
            arrival.SourceId,
            string.IsNullOrEmpty(messageId) ? Guid.NewGuid().ToString() : messageId,
            type,
            NullIfEmpty(userId.Value),
            NullIfEmpty(anonymousId.Value),
            type == "track" ? eventName.Value : null,
            type is "page" or "screen" ? name.Value : null,
            type == "group" ? groupId.Value : null,
            type == "alias" ? previousId.Value : null,
            type is "track" or "page" or "screen" ? properties ?? EmptyObject : null,
            type is "identify" or "group" ? traits ?? EmptyObject : null,
            MergeContext(context, defaults.Context, arrival.ClientIp),
            integrations is null && defaults.Integrations is null ? null : Merge(defaults.Integrations, integrations),
            ClockSkew.CorrectedTimestamp(arrival.ReceivedAt, original, sentAt),
            original,
            sentAt,
            arrival.ReceivedAt);
        return (trackedEvent, null);
    }

    private static readonly JsonElement EmptyObject = JsonSerializer.Deserialize<JsonElement>("{}"u8);

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    /// <summary>The context as sent, the batch's context under it, and the caller's IP unless the sender set one.</summary>
    private static JsonElement MergeContext(JsonElement? context, JsonElement? batchContext, string? clientIp)
    {
        var hasIp = (context?.TryGetProperty("ip", out _) ?? false) || (batchContext?.TryGetProperty("ip", out _) ?? false);
        if (batchContext is null && (hasIp || clientIp is null))
        {
            return context ?? EmptyObject;
        }
        return Merge(batchContext, context, hasIp || clientIp is null ? null : ("ip", JsonSerializer.SerializeToElement(clientIp)));
    }

    /// <summary>A shallow merge: the overlay's members replace the base's; <paramref name="extra"/> is added when missing.</summary>
    private static JsonElement Merge(JsonElement? baseObject, JsonElement? overlay, (string Name, JsonElement Value)? extra = null)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            var written = new HashSet<string>(StringComparer.Ordinal);
            if (overlay is { } top)
            {
                foreach (var member in top.EnumerateObject())
                {
                    written.Add(member.Name);
                    member.WriteTo(writer);
                }
            }
            if (baseObject is { } under)
            {
                foreach (var member in under.EnumerateObject().Where(m => !written.Contains(m.Name)))
                {
                    written.Add(member.Name);
                    member.WriteTo(writer);
                }
            }
            if (extra is { } add && !written.Contains(add.Name))
            {
                writer.WritePropertyName(add.Name);
                add.Value.WriteTo(writer);
            }
            writer.WriteEndObject();
        }
        return JsonSerializer.Deserialize<JsonElement>(buffer.WrittenSpan);
    }

    private static bool TryReadObject(JsonElement message, string name, out JsonElement? value)
    {
        value = null;
        if (!message.TryGetProperty(name, out var member) || member.ValueKind == JsonValueKind.Null)
        {
            return true;
        }
        if (member.ValueKind != JsonValueKind.Object)
        {
            return false;
        }
        value = member;
        return true;
    }

    private readonly record struct Field(string? Value, bool Invalid);

    private static Field ReadText(JsonElement message, string name) => !message.TryGetProperty(name, out var value)
        ? default
        : value.ValueKind switch
        {
            JsonValueKind.String => new Field(value.GetString(), false),
            JsonValueKind.Null => default,
            _ => new Field(null, true),
        };

    /// <summary>Ids are strings; numbers are accepted and kept as their text, as Segment does.</summary>
    private static Field ReadId(JsonElement message, string name) => !message.TryGetProperty(name, out var value)
        ? default
        : value.ValueKind switch
        {
            JsonValueKind.String => new Field(value.GetString(), false),
            JsonValueKind.Number => new Field(value.GetRawText(), false),
            JsonValueKind.Null => default,
            _ => new Field(null, true),
        };
}
