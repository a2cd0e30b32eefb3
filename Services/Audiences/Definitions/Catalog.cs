using Alle.Audiences.ComputedTraits;
using Alle.Audiences.Conditions;

namespace Alle.Audiences.Definitions;

/// <summary>An audience as evaluated: <see cref="Condition"/> already includes the <c>knownMembersOnly</c> restriction.</summary>
internal sealed record AudienceDefinition(Guid Id, string Key, string Name, Condition Condition)
{
    public ConditionReferences References { get; } = ConditionReferences.Of(Condition);
}

internal sealed record ComputedTrait(Guid Id, string Key, string Name, ComputedTraitDefinition Definition);

internal sealed record ModelDefinition(Guid Id, string Key, IdentifierType IdentifierType);

/// <summary>What changed on a profile, to decide which definitions need another look.</summary>
internal sealed record ProfileChange
{
    public IReadOnlySet<string> Traits { get; init; } = new HashSet<string>();
    public string? Event { get; init; }
    public IReadOnlySet<string> ComputedTraits { get; init; } = new HashSet<string>();

    /// <summary>The user id, e-mail or phone changed: model conditions may match differently.</summary>
    public bool IdentifiersChanged { get; init; }

    /// <summary>Time passed: anything with a window may have changed.</summary>
    public bool WindowsElapsed { get; init; }

    /// <summary>Re-evaluate everything (after a merge).</summary>
    public bool Everything { get; init; }
}

/// <summary>
/// Every definition at one catalog version, indexed for the real-time path: which computed traits an event feeds, which
/// audiences a change affects (with the audiences that depend on those, in dependency order).
/// </summary>
internal sealed class Catalog : IDefinitionIds
{
    private readonly Dictionary<string, AudienceDefinition> _audiencesByKey;
    private readonly Dictionary<string, ComputedTrait> _traitsByKey;
    private readonly Dictionary<string, ModelDefinition> _modelsByKey;

    public Catalog(long version, IEnumerable<AudienceDefinition> audiences, IEnumerable<ComputedTrait> computedTraits, IEnumerable<ModelDefinition> models)
    {
        Version = version;
        _audiencesByKey = audiences.ToDictionary(audience => audience.Key, StringComparer.Ordinal);
        _traitsByKey = computedTraits.ToDictionary(trait => trait.Key, StringComparer.Ordinal);
        _modelsByKey = models.ToDictionary(model => model.Key, StringComparer.Ordinal);
        Audiences = InDependencyOrder(_audiencesByKey);
        ComputedTraits = [.. _traitsByKey.Values];
        Models = [.. _modelsByKey.Values];
        Windows = Audiences.SelectMany(audience => audience.References.Windows)
            .Concat(ComputedTraits.Where(trait => trait.Definition.Within is not null)
                .Select(trait => (trait.Definition.Event, trait.Definition.Within!.Value.Length)))
            .Distinct()
            .ToList();
    }

    public static Catalog Empty { get; } = new(0, [], [], []);

    public long Version { get; }

    /// <summary>Audiences, each after the audiences its condition refers to.</summary>
    public IReadOnlyList<AudienceDefinition> Audiences { get; }

    public IReadOnlyList<ComputedTrait> ComputedTraits { get; }

    public IReadOnlyList<ModelDefinition> Models { get; }

    /// <summary>Every (event, window) pair of every definition: where results can change as time passes.</summary>
    public IReadOnlyList<(string Event, TimeSpan Window)> Windows { get; }

    public AudienceDefinition? Audience(string key) => _audiencesByKey.GetValueOrDefault(key);

    public ComputedTrait? ComputedTraitByKey(string key) => _traitsByKey.GetValueOrDefault(key);

    public Guid? ComputedTraitId(string key) => _traitsByKey.GetValueOrDefault(key)?.Id;

    public Guid? AudienceId(string key) => _audiencesByKey.GetValueOrDefault(key)?.Id;

    public (Guid Id, IdentifierType Identifier)? Model(string key) =>
        _modelsByKey.TryGetValue(key, out var model) ? (model.Id, model.IdentifierType) : null;

    public IReadOnlyList<ComputedTrait> TraitsComputedFrom(string eventName) =>
        ComputedTraits.Where(trait => string.Equals(trait.Definition.Event, eventName, StringComparison.Ordinal)).ToList();

    public IReadOnlyList<ComputedTrait> WindowedTraits() => ComputedTraits.Where(trait => trait.Definition.Within is not null).ToList();

    /// <summary>The audiences a change can affect, and those depending on them, in dependency order.</summary>
    public IReadOnlyList<AudienceDefinition> AudiencesAffectedBy(ProfileChange change)
    {
        if (change.Everything)
        {
            return Audiences;
        }
        var affected = new HashSet<string>(StringComparer.Ordinal);
        foreach (var audience in Audiences)
        {
            var references = audience.References;
            if (references.Traits.Overlaps(change.Traits)
                || (change.Event is not null && references.Events.Contains(change.Event))
                || references.ComputedTraits.Overlaps(change.ComputedTraits)
                || (change.IdentifiersChanged && (references.Models.Count > 0 || references.UserId))
                || (change.WindowsElapsed && references.Windows.Count > 0)
                || references.Audiences.Overlaps(affected))
            {
                affected.Add(audience.Key);
            }
        }
        return Audiences.Where(audience => affected.Contains(audience.Key)).ToList();
    }

    /// <summary>The audiences that depend on <paramref name="key"/>, directly or through others.</summary>
    public IReadOnlyList<AudienceDefinition> DependentsOf(string key)
    {
        var dependents = new HashSet<string>(StringComparer.Ordinal) { key };
        var result = new List<AudienceDefinition>();
        foreach (var audience in Audiences.Where(audience => audience.References.Audiences.Overlaps(dependents)))
        {
            dependents.Add(audience.Key);
            result.Add(audience);
        }
        return result;
    }

    /// <summary>
    /// Checks a condition's references against the catalog: every computed trait, audience and model exists, and an
    /// audience (<paramref name="ownKey"/>) never depends on itself through others.
    /// </summary>
    public void CheckReferences(ParsedCondition parsed, string? ownKey, ValidationErrors errors)
    {
        foreach (var reference in parsed.References)
        {
            var known = reference.Kind switch
            {
                ReferenceKind.ComputedTrait => _traitsByKey.ContainsKey(reference.Key),
                ReferenceKind.Audience => _audiencesByKey.ContainsKey(reference.Key),
                _ => _modelsByKey.ContainsKey(reference.Key),
            };
            if (!known)
            {
                var noun = reference.Kind switch
                {
                    ReferenceKind.ComputedTrait => "computed trait",
                    ReferenceKind.Audience => "audience",
                    _ => "model",
                };
                errors.Add(reference.Path, $"There is no {noun} with key \"{reference.Key}\".");
            }
            else if (reference.Kind == ReferenceKind.Audience && ownKey is not null && DependsOn(reference.Key, ownKey))
            {
                errors.Add(reference.Path, $"Audience \"{reference.Key}\" depends on \"{ownKey}\": an audience cannot depend on itself.");
            }
        }
    }

    private bool DependsOn(string key, string target)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([key]);
        while (pending.TryPop(out var current))
        {
            if (string.Equals(current, target, StringComparison.Ordinal))
            {
                return true;
            }
            if (seen.Add(current) && _audiencesByKey.TryGetValue(current, out var audience))
            {
                foreach (var next in audience.References.Audiences)
                {
                    pending.Push(next);
                }
            }
        }
        return false;
    }

    private static List<AudienceDefinition> InDependencyOrder(Dictionary<string, AudienceDefinition> audiences)
    {
        var ordered = new List<AudienceDefinition>();
        var placed = new HashSet<string>(StringComparer.Ordinal);
        var remaining = audiences.Values.OrderBy(audience => audience.Key, StringComparer.Ordinal).ToList();
        while (remaining.Count > 0)
        {
            var ready = remaining.Where(audience => audience.References.Audiences
                .All(dependency => placed.Contains(dependency) || !audiences.ContainsKey(dependency))).ToList();
            // A cycle cannot be saved; should one exist anyway, place the rest rather than loop forever.
            ready = ready.Count > 0 ? ready : remaining;
            foreach (var audience in ready)
            {
                ordered.Add(audience);
                placed.Add(audience.Key);
            }
            remaining.RemoveAll(audience => placed.Contains(audience.Key));
        }
        return ordered;
    }
}
