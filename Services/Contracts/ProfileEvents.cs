using System.Text.Json;

namespace Alle.Contracts;

/// <summary>A profile changed because of <paramref name="Trigger"/>; <paramref name="ChangedTraits"/> holds the new values.</summary>
public sealed record ProfileUpdated(
    Guid ProfileId,
    string? UserId,
    IReadOnlyDictionary<string, JsonElement> ChangedTraits,
    TrackedEvent? Trigger,
    DateTimeOffset UpdatedAt);

/// <summary>
/// Several <see cref="ProfileUpdated"/> in one message, in the order they were committed: Profiles publishes the updates
/// of a resolved batch together, so the broker carries one message where it would carry a hundred. Consumers handle each
/// update exactly as a single <see cref="ProfileUpdated"/>, which is still published for an update on its own.
/// </summary>
public sealed record ProfilesUpdated(IReadOnlyList<ProfileUpdated> Updates);

/// <summary>The profiles in <paramref name="MergedProfileIds"/> were folded into <paramref name="SurvivorProfileId"/>.</summary>
public sealed record ProfilesMerged(
    Guid SurvivorProfileId,
    IReadOnlyList<Guid> MergedProfileIds,
    string TriggerMessageId,
    DateTimeOffset MergedAt);
