using System.Text.Json.Nodes;
using Alle.Destinations.Configuration;
using Alle.Destinations.Consent;

namespace Alle.Destinations.Intake;

/// <summary>An event on its way to destinations, with what the queue needs to know about its person.</summary>
/// <param name="Subjects">Hashes of the person's identifiers (<see cref="Privacy.SubjectHashes"/>).</param>
/// <param name="Person">The hash of her user id (else anonymous id): the ordering key, and the key of her stored consent.</param>
internal sealed record IncomingEvent(JsonObject Event, string MessageId, string[] Subjects, string? Person, DateTimeOffset ReceivedAt, DateTimeOffset Timestamp);

internal static class DeliveryStatus
{
    public const string Pending = "pending";
    public const string Delivered = "delivered";
    public const string Failed = "failed";
    public const string Dead = "dead";
    public const string Filtered = "filtered";
    public const string ConsentBlocked = "consent_blocked";
    public const string Suppressed = "suppressed";
}

/// <summary>A row for the delivery queue: pending with its payload, or recorded as not sent (and why).</summary>
internal sealed record PlannedDelivery(Guid DestinationId, string DeliveryKey, string MessageId, Guid? MappingId, string? OrderingKey, string Status,
    string? Reason, string? Payload, string[] Subjects, DateTimeOffset ReceivedAt);

/// <summary>
/// Decides, for each event and each destination it is for, what is queued: consent first (a blocked event is counted as
/// consent-blocked), then the destination's filters (counted as filtered), then for a webhook the event itself, and for
/// an HTTP destination one delivery per mapping whose trigger matches (none matching counts as filtered). Deliveries
/// are keyed by message id (and mapping), which is how the queue recognises an event it has already seen.
/// </summary>
internal static class EnqueuePlanner
{
    public const string NoMapping = "no_mapping";

    public static IReadOnlyList<PlannedDelivery> Plan(IncomingEvent incoming, IReadOnlyList<Destination> destinations,
        IReadOnlyDictionary<string, bool>? storedConsent)
    {
        var planned = new List<PlannedDelivery>(destinations.Count);
        foreach (var destination in destinations)
        {
            PlannedDelivery Row(string status, string? reason, string? payload, Guid? mappingId = null) => new(destination.Id,
                mappingId is { } id ? $"{incoming.MessageId}#{id:N}" : incoming.MessageId, incoming.MessageId, mappingId,
                destination.Definition.Delivery.Ordered ? incoming.Person : null, status, reason, payload, incoming.Subjects, incoming.ReceivedAt);

            if (ConsentDecision.Blocked(destination.Definition.ConsentCategories, incoming.Event, storedConsent) is { } blocked)
            {
                planned.Add(Row(DeliveryStatus.ConsentBlocked, blocked, null));
                continue;
            }
            var filtered = destination.Filters.Apply(incoming.Event);
            if (filtered.Event is not { } segmentEvent)
            {
                planned.Add(Row(DeliveryStatus.Filtered, filtered.DroppedBy, null));
                continue;
            }
            var payload = segmentEvent.ToJsonString();
            if (destination.IsWebhook)
            {
                planned.Add(Row(DeliveryStatus.Pending, null, payload));
                continue;
            }
            var matched = destination.Mappings.Where(mapping => mapping.Enabled && mapping.Trigger.Matches(segmentEvent)).ToList();
            if (matched.Count == 0)
            {
                planned.Add(Row(DeliveryStatus.Filtered, NoMapping, null));
            }
            planned.AddRange(matched.Select(mapping => Row(DeliveryStatus.Pending, null, payload, mapping.Id)));
        }
        return planned;
    }
}
