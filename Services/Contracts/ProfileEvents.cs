using System.Text.Json;

namespace Alle.Contracts;

/// <summary>A profile changed because of <paramref name="Trigger"/>; <paramref name="ChangedTraits"/> holds the new values.</summary>
public sealed record ProfileUpdated(
    Guid ProfileId,
    string? UserId,
    IReadOnlyDictionary<string, JsonElement> ChangedTraits,
    TrackedEvent? Trigger,
    DateTimeOffset UpdatedAt);

/// <summary>The profiles in <paramref name="MergedProfileIds"/> were folded into <paramref name="SurvivorProfileId"/>.</summary>
public sealed record ProfilesMerged(
    Guid SurvivorProfileId,
    IReadOnlyList<Guid> MergedProfileIds,
    string TriggerMessageId,
    DateTimeOffset MergedAt);
