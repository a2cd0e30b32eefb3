using Alle.Contracts;

namespace Alle.Profiles.Identity;

/// <summary>
/// The part of the identity graph a batch of events touches, held in memory while the batch is resolved: which profile
/// owns each identifier, each profile's identifiers, and pairs of profiles an operator split apart.
/// </summary>
internal sealed class IdentityGraph
{
    private readonly Dictionary<Identifier, Guid> _owners = [];
    private readonly Dictionary<Guid, List<Identifier>> _identities = [];
    private readonly HashSet<(Guid, Guid)> _blocked = [];
    private readonly Dictionary<Guid, Guid> _mergedInto = [];

    public IEnumerable<Guid> Profiles => _identities.Keys;

    public Guid? OwnerOf(Identifier identifier) => _owners.TryGetValue(identifier, out var owner) ? owner : null;

    public IReadOnlyList<Identifier> IdentitiesOf(Guid profileId) => _identities.TryGetValue(profileId, out var identities) ? identities : [];

    public bool Contains(Guid profileId) => _identities.ContainsKey(profileId);

    /// <summary>The profile that now holds what <paramref name="profileId"/> held (itself unless it was merged away).</summary>
    public Guid SurvivorOf(Guid profileId)
    {
        while (_mergedInto.TryGetValue(profileId, out var survivor))
        {
            profileId = survivor;
        }
        return profileId;
    }

    public void AddProfile(Guid profileId) => _identities.TryAdd(profileId, []);

    public void Attach(Identifier identifier, Guid profileId)
    {
        AddProfile(profileId);
        if (_owners.TryAdd(identifier, profileId))
        {
            _identities[profileId].Add(identifier);
        }
    }

    public void Block(Guid first, Guid second) => _blocked.Add(Ordered(first, second));

    public bool AreBlocked(Guid first, Guid second) => _blocked.Contains(Ordered(first, second));

    /// <summary>Applies a resolution: creates or extends the profile and folds the absorbed profiles into it.</summary>
    public void Apply(Resolution resolution)
    {
        AddProfile(resolution.ProfileId);
        foreach (var absorbed in resolution.AbsorbedProfiles)
        {
            foreach (var identifier in _identities[absorbed])
            {
                _owners[identifier] = resolution.ProfileId;
                _identities[resolution.ProfileId].Add(identifier);
            }
            _identities.Remove(absorbed);
            _mergedInto[absorbed] = resolution.ProfileId;
            foreach (var (first, second) in _blocked.Where(pair => pair.Item1 == absorbed || pair.Item2 == absorbed).ToList())
            {
                _blocked.Add(Ordered(first == absorbed ? resolution.ProfileId : first, second == absorbed ? resolution.ProfileId : second));
            }
        }
        foreach (var identifier in resolution.AddedIdentifiers)
        {
            Attach(identifier, resolution.ProfileId);
        }
    }

    private static (Guid, Guid) Ordered(Guid first, Guid second) => first.CompareTo(second) <= 0 ? (first, second) : (second, first);
}
