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

/// <summary>
/// Whether a member can be texted now, as Messaging knows it: her number (masked to its last four digits) and whether
/// texts of each category may go to it (consent given, not opted out, not suppressed). Sent whenever her consent or her
/// number changes; the newest <paramref name="ChangedAt"/> wins.
/// </summary>
public sealed record MemberReachabilityChanged(string UserId, string? MaskedPhone, bool Marketing, bool Transactional, DateTimeOffset ChangedAt);
