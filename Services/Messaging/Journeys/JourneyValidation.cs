using System.Text.Json;
using System.Text.RegularExpressions;

namespace Alle.Messaging.Journeys;

/// <summary>
/// Checks a journey before it is saved. Each problem is keyed by where it is, as a path into the definition
/// (<c>trigger.audienceKey</c>, <c>steps[2].template</c>), and a step's problems name the step. A split's condition is
/// checked here for shape only: its language belongs to Audiences, which checks it when the journey is saved.
/// </summary>
internal static partial class JourneyValidation
{
    public const int MaxSteps = 50;
    public const int MaxTemplateLength = 1600;

    [GeneratedRegex("^[A-Za-z0-9_-]{1,40}$")]
    private static partial Regex StepId();

    public static Dictionary<string, string[]> Validate(JourneyDefinition definition)
    {
        var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        void Add(string key, string message)
        {
            if (!errors.TryGetValue(key, out var list))
            {
                errors[key] = list = [];
            }
            list.Add(message);
        }

        if (string.IsNullOrWhiteSpace(definition.Name) || definition.Name.Length > 200)
        {
            Add("name", "A name of at most 200 characters is required.");
        }
        ValidateTrigger(definition.Trigger, Add);
        if (definition.EntryPolicy is { IsValid: false })
        {
            Add("entryPolicy", "once, every_time, or once_per_days with days between 1 and 3650.");
        }
        if (definition.Category is not ("marketing" or "transactional"))
        {
            Add("category", "marketing or transactional.");
        }
        if (definition.ContactWindow is not null && !JourneyDuration.TryParse(definition.ContactWindow, out _))
        {
            Add("contactWindow", "A span such as 7d, 12h or 30s, up to a year.");
        }
        if (definition.Goal is { } goal)
        {
            if (string.IsNullOrWhiteSpace(goal.Event) || goal.Event.Length > 200)
            {
                Add("goal.event", "The goal names the event that counts as converting.");
            }
            if ((goal.Filters ?? []).Any(filter => filter is not { IsValid: true }))
            {
                Add("goal.filters", FiltersMessage);
            }
            if (!JourneyDuration.TryParse(goal.Within, out _))
            {
                Add("goal.within", "The window after entry in which the goal counts, such as 14d (up to a year).");
            }
        }
        ValidateSteps(definition.Steps ?? [], Add);
        return errors.ToDictionary(pair => pair.Key, pair => pair.Value.ToArray(), StringComparer.Ordinal);
    }

    private const string FiltersMessage = "Each filter has a property, an operator (equals, not_equals, exists, greater_than, less_than) and, except for exists, a value.";

    private static void ValidateTrigger(JourneyTrigger? trigger, Action<string, string> add)
    {
        switch (trigger?.Type)
        {
            case JourneyTrigger.Audience when string.IsNullOrWhiteSpace(trigger.AudienceKey):
                add("trigger.audienceKey", "An audience trigger names the audience key.");
                break;
            case JourneyTrigger.TrackEvent when string.IsNullOrWhiteSpace(trigger.Event):
                add("trigger.event", "An event trigger names the track event.");
                break;
            case JourneyTrigger.TrackEvent when (trigger.Filters ?? []).Any(filter => filter is not { IsValid: true }):
                add("trigger.filters", FiltersMessage);
                break;
            case JourneyTrigger.TrackEvent when trigger.EnrolCurrentMembers:
                add("trigger.enrolCurrentMembers", "Only an audience trigger has current members to enrol.");
                break;
            case JourneyTrigger.Audience or JourneyTrigger.TrackEvent:
                break;
            default:
                add("trigger.type", "audience or event.");
                break;
        }
    }

    private static void ValidateSteps(IReadOnlyList<JourneyStep> steps, Action<string, string> add)
    {
        if (steps.Count is 0 or > MaxSteps)
        {
            add("steps", $"A journey has 1 to {MaxSteps} steps.");
            return;
        }
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            var at = $"steps[{i}]";
            var name = step?.Id is { Length: > 0 } id ? $"Step \"{id}\"" : $"Step {i + 1}";
            if (step is null)
            {
                add(at, $"{name} is empty.");
                continue;
            }
            if (step.Id is null || !StepId().IsMatch(step.Id) || step.Id == JourneyGraph.End)
            {
                add($"{at}.id", $"{name}: an id of 1 to 40 letters, digits, '-' or '_' (not \"end\") is required.");
            }
            else if (!ids.Add(step.Id))
            {
                add($"{at}.id", $"{name}: another step has this id.");
            }
            if (!JourneyStep.Types.Contains(step.Type))
            {
                add($"{at}.type", $"{name}: the type is one of {string.Join(", ", JourneyStep.Types)}.");
                continue;
            }
            ValidateStep(step, at, name, add);
        }
        if (ids.Count != steps.Count)
        {
            return;
        }

        var graph = new JourneyGraph(steps);
        for (var i = 0; i < steps.Count; i++)
        {
            foreach (var (field, target) in JourneyGraph.Targets(steps[i]))
            {
                if (target is not null && target != JourneyGraph.End && (graph.Find(target) is null || target == steps[i].Id))
                {
                    add($"steps[{i}].{field}", $"Step \"{steps[i].Id}\": {field} names \"{target}\", which is not another step of this journey (or \"end\").");
                }
            }
        }
        if (graph.FindCycle() is { } cyclic)
        {
            var position = steps.ToList().FindIndex(step => step.Id == cyclic);
            add($"steps[{position}]", $"Step \"{cyclic}\" leads back to itself: a journey's steps cannot loop.");
        }
        var reachable = graph.Reachable();
        for (var i = 0; i < steps.Count; i++)
        {
            if (!reachable.Contains(steps[i].Id))
            {
                add($"steps[{i}]", $"Step \"{steps[i].Id}\" cannot be reached from the first step.");
            }
        }
    }

    private static void ValidateStep(JourneyStep step, string at, string name, Action<string, string> add)
    {
        switch (step.Type)
        {
            case JourneyStep.Wait:
                if ((step.Duration is null) == (step.Until is null))
                {
                    add(at, $"{name}: a wait has either a duration (such as 2d or 30s) or a local time of day to wait until (HH:mm).");
                }
                else if (step.Duration is not null && !JourneyDuration.TryParse(step.Duration, out _))
                {
                    add($"{at}.duration", $"{name}: a span such as 30s, 15m, 12h, 2d or 1w, up to a year.");
                }
                else if (step.Until is not null && !LocalClock.TryParseTimeOfDay(step.Until, out _))
                {
                    add($"{at}.until", $"{name}: a time of day as HH:mm, on the member's clock.");
                }
                break;
            case JourneyStep.WaitFor:
                if (string.IsNullOrWhiteSpace(step.Event) || step.Event.Length > 200)
                {
                    add($"{at}.event", $"{name}: the event to wait for is required.");
                }
                if ((step.Filters ?? []).Any(filter => filter is not { IsValid: true }))
                {
                    add($"{at}.filters", $"{name}: {FiltersMessage}");
                }
                if (!JourneyDuration.TryParse(step.Timeout, out _))
                {
                    add($"{at}.timeout", $"{name}: how long to wait for the event before the timeout path, such as 3d or 30s.");
                }
                break;
            case JourneyStep.Split:
                if (step.Condition is not { ValueKind: JsonValueKind.Object })
                {
                    add($"{at}.condition", $"{name}: a condition in the audience condition language (a JSON object) is required.");
                }
                break;
            case JourneyStep.RandomSplit:
                ValidatePaths(step.Paths ?? [], at, name, add);
                break;
            case JourneyStep.IssueCoupon:
                if (string.IsNullOrWhiteSpace(step.OfferId) == string.IsNullOrWhiteSpace(step.OfferIdProperty))
                {
                    add(at, $"{name}: give either offerId or offerIdProperty (the trigger event's property naming the offer).");
                }
                break;
            case JourneyStep.SendSms:
                if (string.IsNullOrWhiteSpace(step.Template) || step.Template.Length > MaxTemplateLength)
                {
                    add($"{at}.template", $"{name}: a Liquid template of at most {MaxTemplateLength} characters is required.");
                }
                else if (!JourneyTemplate.TryParse(step.Template, out var error))
                {
                    add($"{at}.template", $"{name}: not a valid Liquid template: {error}");
                }
                break;
            case JourneyStep.Track:
                if (string.IsNullOrWhiteSpace(step.Event) || step.Event.Length > 200)
                {
                    add($"{at}.event", $"{name}: the name of the event to track is required.");
                }
                if (step.Properties is { } properties && properties.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
                {
                    add($"{at}.properties", $"{name}: properties are a JSON object.");
                }
                break;
        }
    }

    private static void ValidatePaths(IReadOnlyList<SplitPath> paths, string at, string name, Action<string, string> add)
    {
        if (paths.Count is < 2 or > 10)
        {
            add($"{at}.paths", $"{name}: a random split has 2 to 10 paths.");
            return;
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < paths.Count; i++)
        {
            var path = paths[i];
            if (string.IsNullOrWhiteSpace(path?.Name) || path.Name.Length > 40 || !names.Add(path.Name))
            {
                add($"{at}.paths[{i}].name", $"{name}: each path has a name of at most 40 characters, unique within the split.");
            }
            if (path is null)
            {
                continue;
            }
            if (path.Weight is < 1 or > 10_000)
            {
                add($"{at}.paths[{i}].weight", $"{name}: a path's weight is a whole number from 1 to 10000.");
            }
            if (path.Holdout && path.Next is not null)
            {
                add($"{at}.paths[{i}].next", $"{name}: a holdout receives nothing: it has no next step.");
            }
        }
        if (paths.Count(path => path?.Holdout == true) > 1)
        {
            add($"{at}.paths", $"{name}: at most one path is the holdout.");
        }
    }
}
