using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alle.Web.Pages.Console.Audiences;

namespace Alle.Web.Journeys;

/// <summary>
/// The builder's form to the definition Messaging takes, and back (pure, no I/O). Messaging's validation has the last
/// word: the form only refuses what it cannot write down (a condition typed as JSON that is not JSON), keyed as
/// Messaging keys its errors (<c>steps[2].condition</c>).
/// </summary>
public static class JourneyDefinitionMapping
{
    public static (JsonElement Definition, IReadOnlyDictionary<string, string[]> Errors) ToDefinition(JourneyForm form)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var trigger = new JsonObject { ["type"] = form.TriggerType == "event" ? "event" : "audience" };
        if (form.TriggerType == "event")
        {
            trigger["event"] = form.TriggerEvent?.Trim();
            trigger["filters"] = Filters(form.TriggerFilters);
        }
        else
        {
            trigger["audienceKey"] = form.AudienceKey?.Trim();
            if (form.EnrolCurrentMembers)
            {
                trigger["enrolCurrentMembers"] = true;
            }
        }
        var definition = new JsonObject
        {
            ["name"] = form.Name?.Trim(),
            ["trigger"] = trigger,
            ["entryPolicy"] = form.EntryPolicy == "once_per_days"
                ? new JsonObject { ["type"] = form.EntryPolicy, ["days"] = form.EntryDays }
                : new JsonObject { ["type"] = form.EntryPolicy },
            ["category"] = form.Category,
        };
        if (form.ContactWindow.Text is { } window)
        {
            definition["contactWindow"] = window;
        }
        if (!string.IsNullOrWhiteSpace(form.GoalEvent))
        {
            definition["goal"] = new JsonObject
            {
                ["event"] = form.GoalEvent.Trim(), ["filters"] = Filters(form.GoalFilters), ["within"] = form.GoalWithin.Text ?? "30d",
            };
        }
        var steps = new JsonArray();
        for (var i = 0; i < form.Steps.Count; i++)
        {
            steps.Add(Step(form.Steps[i], i, errors));
        }
        definition["steps"] = steps;
        return (JsonSerializer.SerializeToElement(definition), errors);
    }

    public static JourneyForm FromDefinition(JsonElement definition)
    {
        var form = new JourneyForm { Name = Text(definition, "name") };
        if (definition.TryGetProperty("trigger", out var trigger) && trigger.ValueKind == JsonValueKind.Object)
        {
            form.TriggerType = Text(trigger, "type") == "event" ? "event" : "audience";
            form.AudienceKey = Text(trigger, "audienceKey");
            form.TriggerEvent = Text(trigger, "event");
            form.TriggerFilters = FilterRows(trigger);
            form.EnrolCurrentMembers = trigger.TryGetProperty("enrolCurrentMembers", out var enrol) && enrol.ValueKind == JsonValueKind.True;
        }
        if (definition.TryGetProperty("entryPolicy", out var policy) && policy.ValueKind == JsonValueKind.Object)
        {
            form.EntryPolicy = Text(policy, "type") ?? "once";
            form.EntryDays = Int(policy, "days");
        }
        form.Category = Text(definition, "category") ?? "marketing";
        form.ContactWindow = DurationInput.Parse(Text(definition, "contactWindow"));
        if (definition.TryGetProperty("goal", out var goal) && goal.ValueKind == JsonValueKind.Object)
        {
            form.GoalEvent = Text(goal, "event");
            form.GoalFilters = FilterRows(goal);
            form.GoalWithin = DurationInput.Parse(Text(goal, "within") ?? "30d");
        }
        if (definition.TryGetProperty("steps", out var steps) && steps.ValueKind == JsonValueKind.Array)
        {
            form.Steps = [.. steps.EnumerateArray().Where(step => step.ValueKind == JsonValueKind.Object).Select(StepForm)];
        }
        return form;
    }

    private static JsonObject Step(StepForm step, int index, Dictionary<string, string[]> errors)
    {
        var node = new JsonObject { ["id"] = step.Id.Trim(), ["type"] = step.Type };
        if (!string.IsNullOrWhiteSpace(step.Label))
        {
            node["label"] = step.Label.Trim();
        }
        switch (step.Type)
        {
            case "wait" when step.WaitMode == "until":
                node["until"] = string.IsNullOrWhiteSpace(step.Until) ? null : step.Until.Trim();
                break;
            case "wait":
                node["duration"] = step.Duration.Text;
                break;
            case "wait_for":
                node["event"] = step.Event?.Trim();
                node["filters"] = Filters(step.Filters);
                node["timeout"] = step.Timeout.Text;
                Target(node, "timeoutNext", step.TimeoutNext);
                break;
            case "split":
                if (Condition(step, out var problem) is { } condition)
                {
                    node["condition"] = condition;
                }
                else if (problem is not null)
                {
                    errors[$"steps[{index}].condition"] = [$"Step \"{step.Id}\": {problem}"];
                }
                Target(node, "yes", step.Yes);
                Target(node, "no", step.No);
                break;
            case "random_split":
                node["paths"] = new JsonArray([.. step.Paths.Where(path => !path.IsBlank).Select(path =>
                {
                    var arm = new JsonObject { ["name"] = path.Name?.Trim(), ["weight"] = path.Weight };
                    if (path.Holdout)
                    {
                        arm["holdout"] = true;
                    }
                    else
                    {
                        Target(arm, "next", path.Next);
                    }
                    return (JsonNode)arm;
                })]);
                break;
            case "issue_coupon" when step.OfferId == Journeys.StepForm.OfferFromEvent:
                node["offerIdProperty"] = string.IsNullOrWhiteSpace(step.OfferIdProperty) ? null : step.OfferIdProperty.Trim();
                break;
            case "issue_coupon":
                node["offerId"] = string.IsNullOrWhiteSpace(step.OfferId) ? null : step.OfferId;
                break;
            case "send_sms":
                node["template"] = step.Template;
                break;
            case "track":
                node["event"] = step.Event?.Trim();
                var properties = step.Properties.Where(row => !row.IsBlank).ToList();
                if (properties.Count > 0)
                {
                    node["properties"] = new JsonObject(properties.Select(row => KeyValuePair.Create(row.Name!.Trim(), PropertyValue(row.Value))));
                }
                break;
        }
        if (step.Type is not ("split" or "random_split" or "exit"))
        {
            Target(node, "next", step.Next);
        }
        // Fields Messaging does not know stay out: a null is as good as absent to it, but the JSON reads better without.
        foreach (var empty in node.Where(pair => pair.Value is null).Select(pair => pair.Key).ToList())
        {
            node.Remove(empty);
        }
        return node;
    }

    private static StepForm StepForm(JsonElement step)
    {
        var form = new StepForm
        {
            Id = Text(step, "id") ?? "",
            Type = Text(step, "type") ?? "",
            Label = Text(step, "label"),
            Next = Text(step, "next"),
            Event = Text(step, "event"),
            Filters = FilterRows(step),
            Timeout = DurationInput.Parse(Text(step, "timeout")),
            TimeoutNext = Text(step, "timeoutNext"),
            Yes = Text(step, "yes"),
            No = Text(step, "no"),
            Template = Text(step, "template"),
            Until = Text(step, "until"),
            Duration = DurationInput.Parse(Text(step, "duration")),
        };
        form.OriginalId = form.Id;
        form.WaitMode = form.Until is not null ? "until" : "duration";
        if (Text(step, "offerIdProperty") is { } property)
        {
            (form.OfferId, form.OfferIdProperty) = (Journeys.StepForm.OfferFromEvent, property);
        }
        else
        {
            form.OfferId = Text(step, "offerId");
        }
        if (step.TryGetProperty("paths", out var paths) && paths.ValueKind == JsonValueKind.Array)
        {
            form.Paths = [.. paths.EnumerateArray().Where(path => path.ValueKind == JsonValueKind.Object).Select(path => new PathRow
            {
                Name = Text(path, "name"),
                Weight = Int(path, "weight"),
                Holdout = path.TryGetProperty("holdout", out var holdout) && holdout.ValueKind == JsonValueKind.True,
                Next = Text(path, "next"),
            })];
        }
        if (step.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object)
        {
            form.Properties = [.. properties.EnumerateObject().Select(p => new PropertyRow { Name = p.Name, Value = ValueText(p.Value) })];
        }
        if (step.TryGetProperty("condition", out var condition) && condition.ValueKind != JsonValueKind.Null)
        {
            if (SplitCondition.TryRows(condition, out var rows, out var combine))
            {
                (form.Conditions, form.Combine) = (rows, combine);
            }
            else
            {
                form.ConditionJson = JsonSerializer.Serialize(condition);
            }
        }
        return form;
    }

    private static JsonNode? Condition(StepForm step, out string? problem)
    {
        problem = null;
        if (!string.IsNullOrWhiteSpace(step.ConditionJson))
        {
            try
            {
                return JsonNode.Parse(step.ConditionJson);
            }
            catch (JsonException exception)
            {
                problem = $"the condition is not JSON: {exception.Message}";
                return null;
            }
        }
        return SplitCondition.Build(step.Conditions, step.Combine);
    }

    private static void Target(JsonObject node, string field, string? target)
    {
        if (!string.IsNullOrWhiteSpace(target))
        {
            node[field] = target.Trim();
        }
    }

    private static JsonArray Filters(IEnumerable<FilterRow> rows) => new([.. rows.Where(row => !row.IsBlank).Select(row =>
    {
        var filter = new JsonObject { ["property"] = row.Property!.Trim(), ["operator"] = row.Operator };
        if (row.Operator != "exists")
        {
            filter["value"] = ConditionForm.Value(row.Value);
        }
        return (JsonNode)filter;
    })]);

    private static List<FilterRow> FilterRows(JsonElement owner) =>
        owner.TryGetProperty("filters", out var filters) && filters.ValueKind == JsonValueKind.Array
            ? [.. filters.EnumerateArray().Where(filter => filter.ValueKind == JsonValueKind.Object).Select(filter => new FilterRow
            {
                Property = Text(filter, "property"),
                Operator = Text(filter, "operator") ?? "equals",
                Value = filter.TryGetProperty("value", out var value) ? ValueText(value) : null,
            })]
            : [];

    private static JsonNode? PropertyValue(string? text)
    {
        var trimmed = text?.Trim() ?? "";
        if (trimmed.StartsWith('{') || trimmed.StartsWith('['))
        {
            try
            {
                return JsonNode.Parse(trimmed);
            }
            catch (JsonException)
            {
            }
        }
        return ConditionForm.Value(text);
    }

    /// <summary>A JSON value as the form writes it: text that would read as a number or true/false goes in double quotes.</summary>
    internal static string? ValueText(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString() is { } text && ConditionForm.Value(text) is JsonValue parsed && parsed.GetValueKind() != JsonValueKind.String
            ? $"\"{text}\""
            : value.GetString(),
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        _ => value.GetRawText(),
    };

    private static int? Int(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) ? number : null;

    internal static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    internal static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
