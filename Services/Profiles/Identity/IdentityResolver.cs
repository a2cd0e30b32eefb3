using Alle.Contracts;

namespace Alle.Profiles.Identity;

/// <summary>An identifier of an event left out of the match because keeping it would have broken a merge rule.</summary>
internal sealed record DroppedIdentifier(Identifier Identifier, string Reason, Guid? ConflictingProfileId);

/// <summary>
/// Where an event lands: <see cref="ProfileId"/> (new when <see cref="IsNewProfile"/>), the identifiers it adds, the
/// profiles folded into it (with the event's identifiers that matched each), and what merge protection dropped.
/// </summary>
internal sealed record Resolution(
    Guid ProfileId,
    bool IsNewProfile,
    IReadOnlyList<Identifier> AddedIdentifiers,
    IReadOnlyList<Guid> AbsorbedProfiles,
    IReadOnlyDictionary<Guid, IReadOnlyList<Identifier>> MatchedBy,
    IReadOnlyList<DroppedIdentifier> Dropped);

/// <summary>
/// Identity resolution with merge protection. The event's identifiers are taken highest priority first; each one is
/// kept when the profile it would produce (every matched profile plus the new identifiers) respects every limit and
/// joins no pair an operator split apart, and dropped otherwise. So the lowest-priority conflicting identifiers give
/// way: a shared device's anonymous id never joins two user ids. No match creates a profile; one match attaches to it;
/// several merge into the profile matched by the highest-priority identifier.
/// </summary>
internal static class IdentityResolver
{
    public static Resolution? Resolve(IReadOnlyList<Identifier> identifiers, IdentityGraph graph, IdentityRules rules, Func<Guid> newProfileId)
    {
        if (identifiers.Count == 0)
        {
            return null;
        }

        var matched = new List<Guid>();
        var matchedBy = new Dictionary<Guid, List<Identifier>>();
        var added = new List<Identifier>();
        var dropped = new List<DroppedIdentifier>();

        foreach (var identifier in rules.InPriorityOrder(identifiers.Distinct()))
        {
            var owner = graph.OwnerOf(identifier);
            if (owner is { } known && matched.Contains(known))
            {
                matchedBy[known].Add(identifier);
                continue;
            }

            var candidates = owner is { } other ? [.. matched, other] : matched;
            var candidateAdded = owner is null ? [.. added, identifier] : added;
            if (Violation(candidates, candidateAdded, graph, rules) is { } reason)
            {
                dropped.Add(new DroppedIdentifier(identifier, reason, owner));
                continue;
            }

            if (owner is { } matchedProfile)
            {
                matched.Add(matchedProfile);
                matchedBy[matchedProfile] = [identifier];
            }
            else
            {
                added.Add(identifier);
            }
        }

        var isNew = matched.Count == 0;
        var profileId = isNew ? newProfileId() : matched[0];
        return new Resolution(
            profileId,
            isNew,
            added,
            [.. matched.Skip(1)],
            matchedBy.ToDictionary(p => p.Key, p => (IReadOnlyList<Identifier>)p.Value),
            dropped);
    }

    /// <summary>Why the profile made of <paramref name="profiles"/> plus <paramref name="added"/> would break a rule, or null.</summary>
    private static string? Violation(IReadOnlyList<Guid> profiles, IReadOnlyList<Identifier> added, IdentityGraph graph, IdentityRules rules)
    {
        for (var i = 0; i < profiles.Count; i++)
        {
            for (var j = i + 1; j < profiles.Count; j++)
            {
                if (graph.AreBlocked(profiles[i], profiles[j]))
                {
                    return "an operator split these profiles apart";
                }
            }
        }

        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var largestExisting = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var profile in profiles)
        {
            foreach (var group in graph.IdentitiesOf(profile).GroupBy(identifier => identifier.Type))
            {
                var count = group.Count();
                counts[group.Key] = counts.GetValueOrDefault(group.Key) + count;
                largestExisting[group.Key] = Math.Max(largestExisting.GetValueOrDefault(group.Key), count);
            }
        }
        foreach (var identifier in added)
        {
            counts[identifier.Type] = counts.GetValueOrDefault(identifier.Type) + 1;
        }

        // A profile already over a limit (the rules were tightened later) may keep what it has, but not grow past it.
        foreach (var (type, count) in counts)
        {
            if (rules.LimitOf(type) is { } limit && count > limit && count > largestExisting.GetValueOrDefault(type))
            {
                return $"a profile holds at most {limit} {type}";
            }
        }
        return null;
    }
}
