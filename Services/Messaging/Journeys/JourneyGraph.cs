namespace Alle.Messaging.Journeys;

/// <summary>An edge of the graph: the label it carries (<c>next</c>, <c>yes</c>, a path's name…) and where it leads (null: the end).</summary>
internal sealed record JourneyEdge(string Label, string? To);

/// <summary>
/// The steps of one version as a graph: the first step of the list is where entries start; a target left out leads to
/// the step that follows in the list, <c>end</c> to the end of the journey.
/// </summary>
internal sealed class JourneyGraph
{
    public const string End = "end";

    private readonly IReadOnlyList<JourneyStep> _steps;
    private readonly Dictionary<string, int> _index;

    public JourneyGraph(IReadOnlyList<JourneyStep> steps)
    {
        _steps = steps;
        _index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < steps.Count; i++)
        {
            _index.TryAdd(steps[i].Id, i);
        }
    }

    public IReadOnlyList<JourneyStep> Steps => _steps;

    public JourneyStep? First => _steps.Count > 0 ? _steps[0] : null;

    public JourneyStep? Find(string? id) => id is not null && _index.TryGetValue(id, out var i) ? _steps[i] : null;

    /// <summary>The step a target names, the following step when it is left out, or null for the end.</summary>
    public JourneyStep? Resolve(JourneyStep from, string? target)
    {
        if (target == End)
        {
            return null;
        }
        if (target is not null)
        {
            return Find(target);
        }
        var position = _index[from.Id];
        return position + 1 < _steps.Count ? _steps[position + 1] : null;
    }

    /// <summary>Where a step can lead, labelled as the diagram and the counts name its outcomes.</summary>
    public IReadOnlyList<JourneyEdge> Edges(JourneyStep step) => step.Type switch
    {
        JourneyStep.Exit => [],
        JourneyStep.Split => [new("yes", Resolve(step, step.Yes)?.Id), new("no", Resolve(step, step.No)?.Id)],
        JourneyStep.WaitFor => [new("event", Resolve(step, step.Next)?.Id), new("timeout", Resolve(step, step.TimeoutNext)?.Id)],
        JourneyStep.RandomSplit => [.. (step.Paths ?? []).Select(path => new JourneyEdge(path.Name, path.Holdout ? null : Resolve(step, path.Next)?.Id))],
        _ => [new("next", Resolve(step, step.Next)?.Id)],
    };

    /// <summary>The targets of a step as written, with the JSON field that holds each (for error messages).</summary>
    public static IEnumerable<(string Field, string? Target)> Targets(JourneyStep step) => step.Type switch
    {
        JourneyStep.Exit => [],
        JourneyStep.Split => [("yes", step.Yes), ("no", step.No)],
        JourneyStep.WaitFor => [("next", step.Next), ("timeoutNext", step.TimeoutNext)],
        JourneyStep.RandomSplit => (step.Paths ?? []).Select((path, i) => ($"paths[{i}].next", path.Next)),
        _ => [("next", step.Next)],
    };

    /// <summary>A step on a cycle, if any: every step is visited at most once per entry, so one text per step is one text per entry.</summary>
    public string? FindCycle()
    {
        var state = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var step in _steps)
        {
            if (Visit(step) is { } cyclic)
            {
                return cyclic;
            }
        }
        return null;

        string? Visit(JourneyStep step)
        {
            switch (state.GetValueOrDefault(step.Id))
            {
                case 1:
                    return step.Id;
                case 2:
                    return null;
            }
            state[step.Id] = 1;
            foreach (var edge in Edges(step))
            {
                if (Find(edge.To) is { } next && Visit(next) is { } cyclic)
                {
                    return cyclic;
                }
            }
            state[step.Id] = 2;
            return null;
        }
    }

    /// <summary>Ids of the steps an entry can reach from the first step.</summary>
    public IReadOnlySet<string> Reachable()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<JourneyStep>();
        if (First is { } first)
        {
            pending.Push(first);
        }
        while (pending.TryPop(out var step))
        {
            if (!seen.Add(step.Id))
            {
                continue;
            }
            foreach (var edge in Edges(step))
            {
                if (Find(edge.To) is { } next)
                {
                    pending.Push(next);
                }
            }
        }
        return seen;
    }
}
