using System.Text.Json;
using System.Text.Json.Nodes;

namespace Alle.Web.Pages.Console.TrackingPlans;

/// <summary>A tracking plan as the console's editor shows it: planned events with their properties, and the two modes.</summary>
public sealed class TrackingPlanForm
{
    public static readonly IReadOnlyList<string> Modes = ["allow", "flag", "block"];

    public List<PlannedEventForm> Events { get; set; } = [];

    public string UnplannedEvents { get; set; } = "allow";

    public string Violations { get; set; } = "flag";

    /// <summary>The identify traits' JSON Schema, which the editor keeps as it is (edited as JSON).</summary>
    public string? IdentifyTraits { get; set; }
}

public sealed class PlannedEventForm
{
    public string Name { get; set; } = "";

    public string? Description { get; set; }

    public List<PropertyForm> Properties { get; set; } = [];
}

public sealed class PropertyForm
{
    public static readonly IReadOnlyList<string> Types = ["string", "number", "integer", "boolean", "object", "array"];

    public string Name { get; set; } = "";

    public string Type { get; set; } = "string";

    public bool Required { get; set; }
}

/// <summary>
/// Maps the editor's form to the plan document Ingestion stores (each event's properties as a JSON Schema object with
/// <c>properties</c> and <c>required</c>) and back. A document the form cannot express exactly (other schema keywords,
/// nested schemas, unknown members) is not read into the form, so saving the form never drops part of a plan.
/// </summary>
public static class TrackingPlanMapping
{
    public static JsonObject ToDocument(TrackingPlanForm form)
    {
        var document = new JsonObject
        {
            ["events"] = new JsonArray([.. form.Events.Select(ToEvent)]),
            ["unplannedEvents"] = form.UnplannedEvents,
            ["violations"] = form.Violations,
        };
        if (!string.IsNullOrWhiteSpace(form.IdentifyTraits))
        {
            document["identifyTraits"] = JsonNode.Parse(form.IdentifyTraits);
        }
        return document;
    }

    /// <summary>The form for a stored plan, or the reason the form cannot show it.</summary>
    public static (TrackingPlanForm? Form, string? Unsupported) FromDocument(JsonElement document)
    {
        if (document.ValueKind != JsonValueKind.Object)
        {
            return (null, "the plan is not a JSON object");
        }
        var form = new TrackingPlanForm();
        foreach (var member in document.EnumerateObject())
        {
            switch (member.Name)
            {
                case "events" when member.Value.ValueKind == JsonValueKind.Array:
                    foreach (var plannedEvent in member.Value.EnumerateArray())
                    {
                        var (eventForm, unsupported) = FromEvent(plannedEvent);
                        if (eventForm is null)
                        {
                            return (null, unsupported);
                        }
                        form.Events.Add(eventForm);
                    }
                    break;
                case "events" when member.Value.ValueKind == JsonValueKind.Null:
                    break;
                case "unplannedEvents" or "violations" when member.Value.ValueKind == JsonValueKind.Null:
                    break;
                case "unplannedEvents" when ModeOf(member.Value) is { } mode:
                    form.UnplannedEvents = mode;
                    break;
                case "violations" when ModeOf(member.Value) is { } mode:
                    form.Violations = mode;
                    break;
                case "identifyTraits":
                    form.IdentifyTraits = member.Value.ValueKind == JsonValueKind.Null ? null : member.Value.GetRawText();
                    break;
                default:
                    return (null, $"the editor cannot show “{member.Name}” as it is");
            }
        }
        return (form, null);
    }

    private static string? ModeOf(JsonElement value) =>
        value.ValueKind == JsonValueKind.String && TrackingPlanForm.Modes.Contains(value.GetString()!.ToLowerInvariant()) ? value.GetString()!.ToLowerInvariant() : null;

    private static JsonObject ToEvent(PlannedEventForm form)
    {
        var properties = new JsonObject();
        foreach (var property in form.Properties)
        {
            properties[property.Name.Trim()] = new JsonObject { ["type"] = property.Type };
        }
        var schema = new JsonObject { ["type"] = "object" };
        var required = form.Properties.Where(p => p.Required).Select(p => (JsonNode?)p.Name.Trim()).ToArray();
        if (required.Length > 0)
        {
            schema["required"] = new JsonArray(required);
        }
        schema["properties"] = properties;
        var plannedEvent = new JsonObject { ["name"] = form.Name.Trim() };
        if (!string.IsNullOrWhiteSpace(form.Description))
        {
            plannedEvent["description"] = form.Description.Trim();
        }
        plannedEvent["properties"] = schema;
        return plannedEvent;
    }

    private static (PlannedEventForm? Form, string? Unsupported) FromEvent(JsonElement plannedEvent)
    {
        if (plannedEvent.ValueKind != JsonValueKind.Object || !plannedEvent.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
        {
            return (null, "an event has no name");
        }
        var form = new PlannedEventForm { Name = name.GetString()! };
        foreach (var member in plannedEvent.EnumerateObject())
        {
            switch (member.Name)
            {
                case "name":
                    break;
                case "description" when member.Value.ValueKind is JsonValueKind.String or JsonValueKind.Null:
                    form.Description = member.Value.ValueKind == JsonValueKind.Null ? null : member.Value.GetString();
                    break;
                case "properties" when member.Value.ValueKind == JsonValueKind.Null:
                    break;
                case "properties":
                    if (FromSchema(member.Value) is not { } properties)
                    {
                        return (null, $"the properties of “{form.Name}” use JSON Schema beyond names, types and required");
                    }
                    form.Properties = properties;
                    break;
                default:
                    return (null, $"“{form.Name}” has “{member.Name}”, which the editor cannot show");
            }
        }
        return (form, null);
    }

    /// <summary>Properties of an object schema made only of <c>type</c>, <c>properties</c> (each a bare type) and <c>required</c>; null otherwise.</summary>
    private static List<PropertyForm>? FromSchema(JsonElement schema)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        var properties = new List<PropertyForm>();
        var required = new List<string>();
        foreach (var member in schema.EnumerateObject())
        {
            switch (member.Name)
            {
                case "type" when member.Value.ValueKind == JsonValueKind.String && member.Value.GetString() == "object":
                    break;
                case "required" when member.Value.ValueKind == JsonValueKind.Array && member.Value.EnumerateArray().All(r => r.ValueKind == JsonValueKind.String):
                    required.AddRange(member.Value.EnumerateArray().Select(r => r.GetString()!));
                    break;
                case "properties" when member.Value.ValueKind == JsonValueKind.Object:
                    foreach (var property in member.Value.EnumerateObject())
                    {
                        if (property.Value.ValueKind != JsonValueKind.Object || property.Value.EnumerateObject().Count() != 1
                            || !property.Value.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String
                            || !PropertyForm.Types.Contains(type.GetString()))
                        {
                            return null;
                        }
                        properties.Add(new PropertyForm { Name = property.Name, Type = type.GetString()! });
                    }
                    break;
                default:
                    return null;
            }
        }
        if (required.Distinct().Count() != required.Count || required.Any(r => !properties.Exists(p => p.Name == r)))
        {
            return null;
        }
        properties.ForEach(p => p.Required = required.Contains(p.Name));
        return properties;
    }

    /// <summary>Problems the form itself can see before Ingestion compiles the plan, keyed like the form's fields.</summary>
    public static Dictionary<string, string> Check(TrackingPlanForm form)
    {
        var errors = new Dictionary<string, string>();
        for (var i = 0; i < form.Events.Count; i++)
        {
            var plannedEvent = form.Events[i];
            if (string.IsNullOrWhiteSpace(plannedEvent.Name))
            {
                errors[$"Form.Events[{i}].Name"] = $"Event {i + 1} needs a name.";
            }
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var j = 0; j < plannedEvent.Properties.Count; j++)
            {
                var property = plannedEvent.Properties[j];
                var label = $"Property {j + 1} of {(string.IsNullOrWhiteSpace(plannedEvent.Name) ? $"event {i + 1}" : $"“{plannedEvent.Name.Trim()}”")}";
                if (string.IsNullOrWhiteSpace(property.Name))
                {
                    errors[$"Form.Events[{i}].Properties[{j}].Name"] = $"{label} needs a name.";
                }
                else if (!seen.Add(property.Name.Trim()))
                {
                    errors[$"Form.Events[{i}].Properties[{j}].Name"] = $"{label}: “{property.Name.Trim()}” is listed twice.";
                }
                if (!PropertyForm.Types.Contains(property.Type))
                {
                    errors[$"Form.Events[{i}].Properties[{j}].Type"] = $"{label}: choose one of {string.Join(", ", PropertyForm.Types)}.";
                }
            }
        }
        if (!TrackingPlanForm.Modes.Contains(form.UnplannedEvents) || !TrackingPlanForm.Modes.Contains(form.Violations))
        {
            errors["Form.UnplannedEvents"] = "Choose allow, flag or block.";
        }
        if (!string.IsNullOrWhiteSpace(form.IdentifyTraits))
        {
            try
            {
                JsonNode.Parse(form.IdentifyTraits);
            }
            catch (JsonException)
            {
                errors["Form.IdentifyTraits"] = "The identify traits schema is not valid JSON.";
            }
        }
        return errors;
    }
}
