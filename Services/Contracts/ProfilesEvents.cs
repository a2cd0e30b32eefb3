namespace Alle.Contracts;

/// <summary>
/// An operator undid merge <paramref name="MergeId"/>: <paramref name="RestoredProfileId"/> exists again, apart from
/// <paramref name="SurvivorProfileId"/>, with <paramref name="MovedIdentifiers"/> and its own events. A
/// <see cref="ProfileUpdated"/> with the full traits of each follows.
/// </summary>
public sealed record ProfilesUnmerged(
    Guid MergeId,
    Guid SurvivorProfileId,
    Guid RestoredProfileId,
    IReadOnlyList<Identifier> MovedIdentifiers,
    DateTimeOffset UnmergedAt);
