namespace Alle.Contracts;

/// <summary>A profile entered or left an audience.</summary>
public sealed record AudienceMembershipChanged(
    Guid AudienceId,
    string AudienceKey,
    Guid ProfileId,
    string? UserId,
    bool Entered,
    DateTimeOffset ChangedAt);
