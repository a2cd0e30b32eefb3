using System.Text.Json;
using Alle.Platform.Tracking;

namespace Alle.Platform.Outbox;

/// <summary>Where a row goes: the event bus (an integration event) or ingestion's Tracking API (a Segment call).</summary>
public enum OutboxDestination
{
    Bus,
    Tracking,
}

/// <summary>
/// A fact to deliver once the transaction that writes it commits. <paramref name="MessageId"/> should come from the
/// fact's natural key wherever it has one, so writing it twice keeps one row and every resend is recognised downstream.
/// </summary>
/// <param name="OrderingKey">Rows with the same key (a profile, a journey entry) are delivered in the order written.</param>
public sealed record OutboxEntry(string MessageId, OutboxDestination Destination, string MessageType, string Payload, string? OrderingKey)
{
    public static readonly JsonSerializerOptions Json = JsonSerializerOptions.Web;

    /// <summary>An integration event (a record of <c>Alle.Contracts</c>) for the bus; without a message id it gets a new one.</summary>
    public static OutboxEntry Publish(object message, string? messageId = null, string? orderingKey = null) =>
        new(messageId ?? Guid.CreateVersion7().ToString(), OutboxDestination.Bus, message.GetType().FullName!,
            JsonSerializer.Serialize(message, message.GetType(), Json), orderingKey);

    /// <summary>A call for the Tracking API, under the call's own message id.</summary>
    public static OutboxEntry Track(TrackingCall call, string? orderingKey = null) =>
        new(call.MessageId, OutboxDestination.Tracking, call.Type, JsonSerializer.Serialize(call, call.GetType(), Json), orderingKey);
}
