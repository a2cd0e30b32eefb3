namespace Alle.Audiences.Conditions;

/// <summary>
/// What a condition depends on: which trait keys, event names, computed traits, audiences and models can change its
/// result. The real-time path re-evaluates only the audiences whose dependencies changed.
/// </summary>
internal sealed class ConditionReferences
{
    public HashSet<string> Traits { get; } = new(StringComparer.Ordinal);
    public HashSet<string> Events { get; } = new(StringComparer.Ordinal);
    public HashSet<string> ComputedTraits { get; } = new(StringComparer.Ordinal);
    public HashSet<string> Audiences { get; } = new(StringComparer.Ordinal);
    public HashSet<string> Models { get; } = new(StringComparer.Ordinal);

    /// <summary>The result depends on whether the profile has a user id (an audience of known members only).</summary>
    public bool UserId { get; private set; }

    /// <summary>Windows of time-bounded event conditions: the result can change when an event leaves one of them.</summary>
    public HashSet<(string Event, TimeSpan Length)> Windows { get; } = [];

    public static ConditionReferences Of(Condition condition)
    {
        var references = new ConditionReferences();
        references.Collect(condition);
        return references;
    }

    private void Collect(Condition condition)
    {
        switch (condition)
        {
            case AllOf all:
                all.Conditions.ToList().ForEach(Collect);
                break;
            case AnyOf any:
                any.Conditions.ToList().ForEach(Collect);
                break;
            case Not not:
                Collect(not.Condition);
                break;
            case TraitCondition trait:
                Traits.Add(trait.Trait);
                break;
            case EventCondition performed:
                Events.Add(performed.Event);
                if (performed.Within is { } window)
                {
                    Windows.Add((performed.Event, window.Length));
                }
                break;
            case ComputedTraitCondition computed:
                ComputedTraits.Add(computed.Key);
                break;
            case AudienceCondition audience:
                Audiences.Add(audience.Key);
                break;
            case ModelCondition model:
                Models.Add(model.Key);
                break;
            case KnownMemberCondition:
                UserId = true;
                break;
        }
    }
}
