using Alle.Contracts;
using Alle.Profiles.Identity;
using Alle.Profiles.Traits;

namespace Alle.Profiles.Reading;

/// <summary>Everything the Profile API answers about one profile except its timeline: the unit the cache holds.</summary>
internal sealed record ProfileDocument(
    Guid ProfileId,
    IReadOnlyDictionary<string, TraitValue> Traits,
    IReadOnlyList<StoredIdentity> Identities,
    ProfileMetadata Metadata,
    IReadOnlyList<ProfileLink> Links)
{
    public string? UserId => Identities.FirstOrDefault(identity => identity.Type == IdentifierTypes.UserId)?.Value;

    public bool Holds(Identifier identifier) => Identities.Any(identity => identity.Type == identifier.Type && identity.Value == identifier.Value);
}

internal sealed record StoredIdentity(string Type, string Value, string SourceId, string FirstMessageId, DateTimeOffset CreatedAt);

internal sealed record ProfileMetadata(
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, string FirstMessageId, string FirstSourceId, string LastMessageId, string LastSourceId);

internal sealed record ProfileLink(string GroupId, string SourceId, DateTimeOffset CreatedAt);
