namespace Alle.Contracts;

/// <summary>An SMS moved to a new status (queued, sending, sent, delivered, undelivered, failed, skipped).</summary>
public sealed record MessageStatusChanged(
    Guid MessageId,
    string? ProviderSid,
    string Status,
    int? ErrorCode,
    string? UserId,
    Guid? JourneyId,
    DateTimeOffset ChangedAt);
