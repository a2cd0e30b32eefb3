using System.Text.Json;
using Alle.Contracts;
using NJsonSchema;

namespace Alle.Ingestion.TrackingPlans;

/// <summary>
/// A source's tracking plan as operators write it (Segment Protocols): the planned track events with a JSON Schema for
/// their properties, an optional JSON Schema for identify traits, and what to do with unplanned events and with
/// violations (<c>allow</c>, <c>flag</c>, <c>block</c>).
/// </summary>
internal sealed record TrackingPlanDocument(
    IReadOnlyList<PlannedEvent>? Events,
    JsonElement? IdentifyTraits,
    string? UnplannedEvents,
    string? Violations);

internal sealed record PlannedEvent(string Name, string? Description, JsonElement? Properties);

/// <summary>A tracking plan ready to check events: schemas compiled once, when the plan is saved or loaded.</summary>
internal sealed class TrackingPlan
{
    private readonly Dictionary<string, JsonSchema?> _events;
    private readonly JsonSchema? _identifyTraits;

    private TrackingPlan(TrackingPlanDocument document, Dictionary<string, JsonSchema?> events, JsonSchema? identifyTraits, PlanMode unplanned, PlanMode violations)
    {
        Document = document;
        _events = events;
        _identifyTraits = identifyTraits;
        UnplannedEvents = unplanned;
        Violations = violations;
    }

    public TrackingPlanDocument Document { get; }

    public PlanMode UnplannedEvents { get; }

    public PlanMode Violations { get; }

    /// <summary>Validates a plan document and compiles its schemas; the errors are keyed by the member at fault.</summary>
    public static async Task<(TrackingPlan? Plan, Dictionary<string, string[]> Errors)> CompileAsync(TrackingPlanDocument document)
    {
        var errors = new Dictionary<string, string[]>();
        var unplanned = ParseMode(document.UnplannedEvents, "unplannedEvents", errors);
        var violations = ParseMode(document.Violations, "violations", errors);

        var events = new Dictionary<string, JsonSchema?>(StringComparer.Ordinal);
        var planned = document.Events ?? [];
        for (var i = 0; i < planned.Count; i++)
        {
            var plannedEvent = planned[i];
            if (string.IsNullOrWhiteSpace(plannedEvent?.Name))
            {
                errors[$"events[{i}].name"] = ["Every planned event needs a name."];
                continue;
            }
            if (events.ContainsKey(plannedEvent.Name))
            {
                errors[$"events[{i}].name"] = [$"'{plannedEvent.Name}' is planned twice."];
                continue;
            }
            events[plannedEvent.Name] = await CompileSchemaAsync(plannedEvent.Properties, $"events[{i}].properties", errors);
        }
        var identifyTraits = await CompileSchemaAsync(document.IdentifyTraits, "identifyTraits", errors);

        return errors.Count > 0
            ? (null, errors)
            : (new TrackingPlan(document with { UnplannedEvents = unplanned.ToString().ToLowerInvariant(), Violations = violations.ToString().ToLowerInvariant() },
                events, identifyTraits, unplanned, violations), errors);
    }

    /// <summary>
    /// How the plan judges an event: null when it conforms (or the mode is allow), otherwise the violation with the
    /// action to take (flag: forward and record; block: keep aside).
    /// </summary>
    public PlanViolation? Check(TrackedEvent trackedEvent, JsonElement payload)
    {
        switch (trackedEvent.Type)
        {
            case "track":
                var name = trackedEvent.Event!;
                if (!_events.TryGetValue(name, out var schema))
                {
                    return UnplannedEvents == PlanMode.Allow ? null
                        : Violation(trackedEvent, name, "unplanned", [$"'{name}' is not in the tracking plan."], UnplannedEvents, payload);
                }
                return Validate(trackedEvent, name, schema, trackedEvent.Properties, payload);
            case "identify":
                return Validate(trackedEvent, "identify", _identifyTraits, trackedEvent.Traits, payload);
            default:
                return null;
        }
    }

    private PlanViolation? Validate(TrackedEvent trackedEvent, string eventKey, JsonSchema? schema, JsonElement? value, JsonElement payload)
    {
        if (schema is null || Violations == PlanMode.Allow)
        {
            return null;
        }
        var errors = schema.Validate(value?.GetRawText() ?? "{}");
        return errors.Count == 0 ? null
            : Violation(trackedEvent, eventKey, "schema", [.. errors.Select(e => $"{(string.IsNullOrEmpty(e.Path) ? "#" : e.Path)}: {e.Kind}")], Violations, payload);
    }

    private static PlanViolation Violation(TrackedEvent trackedEvent, string eventKey, string kind, IReadOnlyList<string> errors, PlanMode action, JsonElement payload) =>
        new(eventKey, trackedEvent.MessageId, kind, errors, action, trackedEvent.UserId, trackedEvent.AnonymousId, payload);

    private static PlanMode ParseMode(string? mode, string member, Dictionary<string, string[]> errors)
    {
        if (mode is null)
        {
            return PlanMode.Allow;
        }
        if (Enum.TryParse<PlanMode>(mode, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) && !int.TryParse(mode, out _))
        {
            return parsed;
        }
        errors[member] = ["Use allow, flag or block."];
        return PlanMode.Allow;
    }

    private static async Task<JsonSchema?> CompileSchemaAsync(JsonElement? schema, string member, Dictionary<string, string[]> errors)
    {
        if (schema is null || schema.Value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (schema.Value.ValueKind != JsonValueKind.Object)
        {
            errors[member] = ["A JSON Schema is an object."];
            return null;
        }
        try
        {
            return await JsonSchema.FromJsonAsync(schema.Value.GetRawText());
        }
        catch (Exception exception) when (exception is Newtonsoft.Json.JsonException or InvalidOperationException or NotSupportedException or ArgumentException)
        {
            errors[member] = [$"Not a valid JSON Schema: {exception.Message}"];
            return null;
        }
    }
}
