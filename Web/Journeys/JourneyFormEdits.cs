using System.Text.RegularExpressions;

namespace Alle.Web.Journeys;

/// <summary>
/// What the builder's buttons do to the form (pure): add a step, remove one (refused while another step leads to it),
/// move one up or down (targets name step ids, so every reference still reaches the same step; a target left out
/// follows the list's new order), follow a renamed step, and sort Messaging's errors by the step they name.
/// </summary>
public static partial class JourneyFormEdits
{
    /// <summary>A new journey: one text, triggered by the audience given (from an audience's page) or by nothing yet.</summary>
    public static JourneyForm NewJourney(string? audienceKey) => new()
    {
        AudienceKey = audienceKey,
        Steps = [NewStep("send_sms", "text")],
    };

    /// <summary>Adds a step of the type at the end, with the id asked for or one made from the type.</summary>
    public static StepForm AddStep(JourneyForm form, string type, string? id = null)
    {
        var taken = form.Steps.Select(step => step.Id).ToHashSet(StringComparer.Ordinal);
        var wanted = string.IsNullOrWhiteSpace(id) ? BaseId(type) : id.Trim();
        var unique = wanted;
        for (var n = 2; taken.Contains(unique) || unique == JourneyForm.End; n++)
        {
            unique = $"{wanted}-{n}";
        }
        var step = NewStep(type, unique);
        form.Steps.Add(step);
        return step;
    }

    /// <summary>Removes the step unless another step leads to it by name: then says which, and changes nothing.</summary>
    public static string? RemoveStep(JourneyForm form, int index)
    {
        if (index < 0 || index >= form.Steps.Count)
        {
            return null;
        }
        var id = form.Steps[index].Id;
        var referrers = form.Steps.Where((step, i) => i != index)
            .SelectMany(step => step.Targets().Where(target => target.Target == id).Select(target => $"\"{step.Id}\" ({target.Outcome})"))
            .ToList();
        if (referrers.Count > 0)
        {
            return $"Step \"{id}\" was not removed: {string.Join(", ", referrers)} {(referrers.Count == 1 ? "leads" : "lead")} to it. Point {(referrers.Count == 1 ? "it" : "them")} elsewhere first.";
        }
        form.Steps.RemoveAt(index);
        return null;
    }

    /// <summary>Moves the step by <paramref name="by"/> places (−1 up, +1 down); the ends stay where they are.</summary>
    public static void MoveStep(JourneyForm form, int index, int by)
    {
        var to = index + by;
        if (index < 0 || index >= form.Steps.Count || to < 0 || to >= form.Steps.Count)
        {
            return;
        }
        (form.Steps[index], form.Steps[to]) = (form.Steps[to], form.Steps[index]);
    }

    /// <summary>A step whose id was edited takes its references along: every target naming the old id names the new one.</summary>
    public static void FollowRenames(JourneyForm form)
    {
        foreach (var renamed in form.Steps.Where(step => !string.IsNullOrEmpty(step.OriginalId) && step.OriginalId != step.Id.Trim()).ToList())
        {
            var (from, to) = (renamed.OriginalId!, renamed.Id.Trim());
            if (form.Steps.Any(step => step != renamed && step.Id == from))
            {
                continue;
            }
            foreach (var step in form.Steps)
            {
                step.Next = step.Next == from ? to : step.Next;
                step.TimeoutNext = step.TimeoutNext == from ? to : step.TimeoutNext;
                step.Yes = step.Yes == from ? to : step.Yes;
                step.No = step.No == from ? to : step.No;
                foreach (var path in step.Paths.Where(path => path.Next == from))
                {
                    path.Next = to;
                }
            }
        }
        foreach (var step in form.Steps)
        {
            step.Id = step.Id.Trim();
            step.OriginalId = step.Id;
        }
    }

    /// <summary>
    /// Leaves out the rows posted blank (each list is rendered with one blank row to fill in), so they do not pile up
    /// from one post to the next.
    /// </summary>
    public static void DropBlankRows(JourneyForm form)
    {
        form.TriggerFilters.RemoveAll(row => row.IsBlank);
        form.GoalFilters.RemoveAll(row => row.IsBlank);
        foreach (var step in form.Steps)
        {
            step.Filters.RemoveAll(row => row.IsBlank);
            step.Conditions.RemoveAll(row => row.IsBlank);
            step.Paths.RemoveAll(row => row.IsBlank);
            step.Properties.RemoveAll(row => row.IsBlank);
        }
    }

    /// <summary>Errors keyed as Messaging keys them (<c>steps[2].template</c>): each step's by its position, the rest apart.</summary>
    public static (IReadOnlyDictionary<int, IReadOnlyList<string>> ByStep, IReadOnlyList<string> Journey) SortErrors(IReadOnlyDictionary<string, string[]> errors)
    {
        var byStep = new Dictionary<int, List<string>>();
        var journey = new List<string>();
        foreach (var (key, messages) in errors.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            if (StepKey().Match(key) is { Success: true } match && int.TryParse(match.Groups[1].ValueSpan, out var index))
            {
                if (!byStep.TryGetValue(index, out var list))
                {
                    byStep[index] = list = [];
                }
                list.AddRange(messages);
            }
            else
            {
                journey.AddRange(messages.Select(message => key is "" or "body" ? message : $"{Field(key)}: {message}"));
            }
        }
        return (byStep.ToDictionary(pair => pair.Key, pair => (IReadOnlyList<string>)pair.Value), journey);
    }

    private static string Field(string key) => key switch
    {
        "name" => "Name",
        "trigger.audienceKey" or "trigger.event" or "trigger.filters" or "trigger.type" or "trigger.enrolCurrentMembers" => "Trigger",
        "entryPolicy" => "Entry",
        "goal.event" or "goal.filters" or "goal.within" => "Goal",
        "contactWindow" => "Contact window",
        "category" => "Category",
        "steps" => "Steps",
        _ => key,
    };

    private static StepForm NewStep(string type, string id)
    {
        var step = new StepForm { Id = id, OriginalId = id, Type = type };
        switch (type)
        {
            case "wait":
                step.Duration = new DurationInput { Amount = 1, Unit = "d" };
                break;
            case "wait_for":
                step.Timeout = new DurationInput { Amount = 3, Unit = "d" };
                break;
            case "random_split":
                step.Paths = [new PathRow { Name = "treatment", Weight = 90 }, new PathRow { Name = "holdout", Weight = 10, Holdout = true }];
                break;
        }
        return step;
    }

    private static string BaseId(string type) => type switch
    {
        "send_sms" => "text",
        "issue_coupon" => "coupon",
        "wait_for" => "wait-for",
        "random_split" => "ab-test",
        _ => type,
    };

    [GeneratedRegex(@"^steps\[(\d+)\]")]
    private static partial Regex StepKey();
}
