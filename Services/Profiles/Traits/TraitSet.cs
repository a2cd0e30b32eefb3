using System.Text.Json;
using System.Text.Json.Serialization;

namespace Alle.Profiles.Traits;

/// <summary>One trait's value, when it was set (the event's timestamp) and by which source.</summary>
internal sealed record TraitValue(
    [property: JsonPropertyName("value")] JsonElement Value,
    [property: JsonPropertyName("updated_at")] DateTimeOffset UpdatedAt,
    [property: JsonPropertyName("source_id")] string SourceId);

/// <summary>
/// A profile's traits. The value with the newest event timestamp wins per trait, whatever order events arrive in
/// (an equal timestamp: the later arrival wins); a merge keeps, per trait, the newer of the two profiles' values.
/// </summary>
internal sealed class TraitSet
{
    private readonly SortedDictionary<string, TraitValue> _traits;

    public TraitSet() => _traits = new(StringComparer.Ordinal);

    private TraitSet(SortedDictionary<string, TraitValue> traits) => _traits = traits;

    public IReadOnlyDictionary<string, TraitValue> Values => _traits;

    public int Count => _traits.Count;

    /// <summary>Applies an identify call's traits; returns the traits whose value changed.</summary>
    public Dictionary<string, JsonElement> Apply(JsonElement traits, DateTimeOffset timestamp, string sourceId)
    {
        var changed = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (traits.ValueKind != JsonValueKind.Object)
        {
            return changed;
        }
        foreach (var trait in traits.EnumerateObject())
        {
            if (Set(trait.Name, new TraitValue(trait.Value.Clone(), timestamp, sourceId), replaceOnTie: true))
            {
                changed[trait.Name] = trait.Value.Clone();
            }
        }
        return changed;
    }

    /// <summary>Folds another profile's traits in; returns the traits whose value changed here.</summary>
    public Dictionary<string, JsonElement> MergeFrom(TraitSet other)
    {
        var changed = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var (name, value) in other._traits)
        {
            if (Set(name, value, replaceOnTie: false))
            {
                changed[name] = value.Value;
            }
        }
        return changed;
    }

    private bool Set(string name, TraitValue candidate, bool replaceOnTie)
    {
        if (_traits.TryGetValue(name, out var current))
        {
            var newer = candidate.UpdatedAt > current.UpdatedAt || (replaceOnTie && candidate.UpdatedAt == current.UpdatedAt);
            if (!newer)
            {
                return false;
            }
            _traits[name] = candidate;
            return !JsonElement.DeepEquals(current.Value, candidate.Value);
        }
        _traits[name] = candidate;
        return true;
    }

    /// <summary>Plain name → value, as the Profile API shows traits.</summary>
    public Dictionary<string, JsonElement> Plain() => _traits.ToDictionary(p => p.Key, p => p.Value.Value, StringComparer.Ordinal);

    public string ToJson() => JsonSerializer.Serialize(_traits);

    public static TraitSet FromJson(string json) =>
        new(JsonSerializer.Deserialize<SortedDictionary<string, TraitValue>>(json) is { } traits
            ? new SortedDictionary<string, TraitValue>(traits, StringComparer.Ordinal)
            : new SortedDictionary<string, TraitValue>(StringComparer.Ordinal));
}
