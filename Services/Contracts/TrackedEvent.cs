using System.Text.Json;

namespace Alle.Contracts;

/// <summary>
/// One event as ingestion accepted and normalised it, in Segment's vocabulary. <see cref="Type"/> is one of
/// identify, track, page, screen, group, alias. JSON members keep the sender's shape.
/// </summary>
public sealed record TrackedEvent(
    string SourceId,
    string MessageId,
    string Type,
    string? UserId,
    string? AnonymousId,
    string? Event,
    string? Name,
    string? GroupId,
    string? PreviousId,
    JsonElement? Properties,
    JsonElement? Traits,
    JsonElement? Context,
    JsonElement? Integrations,
    DateTimeOffset Timestamp,
    DateTimeOffset? OriginalTimestamp,
    DateTimeOffset? SentAt,
    DateTimeOffset ReceivedAt);
