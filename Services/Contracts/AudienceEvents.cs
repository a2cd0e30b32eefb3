namespace Alle.Contracts;

/// <summary>
/// A profile entered or left an audience. <paramref name="Reason"/> says why, as Audiences records it: <c>event</c>,
/// <c>traits</c>, <c>window</c>, <c>computed</c>, <c>merge</c> (a merge made the survivor a member), <c>merged</c> (the
/// profile was merged into another: the person did not leave).
/// </summary>
public sealed record AudienceMembershipChanged(
    Guid AudienceId,
    string AudienceKey,
    Guid ProfileId,
    string? UserId,
    bool Entered,
    DateTimeOffset ChangedAt,
    string? Reason = null);
