using System.Text.Json;

namespace Alle.Audiences.Profiles;

/// <summary>Audiences' copy of one profile: its user id and traits, with the time each trait value was set.</summary>
internal sealed class ProfileState(Guid profileId, string? userId, Dictionary<string, JsonElement> traits, Dictionary<string, DateTimeOffset> traitTimes)
{
    public Guid ProfileId { get; } = profileId;

    public string? UserId { get; set; } = userId;

    /// <summary>Created by this transaction: every audience gets a first look at it.</summary>
    public bool IsNew { get; set; }

    public Dictionary<string, JsonElement> Traits { get; } = traits;

    public Dictionary<string, DateTimeOffset> TraitTimes { get; } = traitTimes;

    /// <summary>
    /// Applies changed traits set at <paramref name="setAt"/>; a value older than the one kept is ignored (updates may
    /// arrive out of order). A null removes the trait.
    /// </summary>
    /// <returns>The keys whose value actually changed.</returns>
    public IReadOnlySet<string> ApplyTraits(IReadOnlyDictionary<string, JsonElement> changed, DateTimeOffset setAt)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in changed)
        {
            if (TraitTimes.TryGetValue(key, out var keptAt) && keptAt > setAt)
            {
                continue;
            }
            TraitTimes[key] = setAt;
            var present = value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined);
            var had = Traits.TryGetValue(key, out var current);
            if (!present)
            {
                if (had)
                {
                    Traits.Remove(key);
                    keys.Add(key);
                }
                continue;
            }
            if (!had || !JsonElement.DeepEquals(current, value))
            {
                Traits[key] = value.Clone();
                keys.Add(key);
            }
        }
        return keys;
    }

    /// <summary>Folds a merged profile in: per trait the newer value wins; the user id is kept unless missing.</summary>
    public IReadOnlySet<string> Absorb(ProfileState merged)
    {
        UserId ??= merged.UserId;
        var changed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in merged.Traits)
        {
            var setAt = merged.TraitTimes.GetValueOrDefault(key, DateTimeOffset.MinValue);
            changed.UnionWith(ApplyTraits(new Dictionary<string, JsonElement> { [key] = value }, setAt));
        }
        return changed;
    }

    /// <summary>Identifier traits: a change to one of these can change which reverse ETL rows match the profile.</summary>
    public static bool IsIdentifierTrait(string key) => key is "email" or "phone";
}
