using System.Text.Json;
using System.Text.Json.Nodes;

namespace Alle.Destinations.Consent;

/// <summary>
/// Whether a person's consent lets an event reach a destination, as Segment's consent management decides: a destination
/// declares the categories it needs (<c>advertising</c>, <c>analytics</c>, …) and receives an event only if every one of
/// them is granted. The event's own <c>context.consent.categoryPreferences</c> wins; without it, the person's stored
/// preference (the latest the platform saw from her); without either, the event flows without enforcement (Segment
/// routes events without a consent object to every destination). A category missing from the preferences is not granted.
/// </summary>
internal static class ConsentDecision
{
    /// <summary>Null when the event may be delivered; else the reason it is blocked (<c>consent:advertising</c>).</summary>
    public static string? Blocked(IReadOnlyCollection<string> required, JsonObject segmentEvent, IReadOnlyDictionary<string, bool>? stored)
    {
        if (required.Count == 0)
        {
            return null;
        }
        var preferences = Preferences(segmentEvent) ?? stored;
        if (preferences is null)
        {
            return null;
        }
        return required.FirstOrDefault(category => !preferences.TryGetValue(category, out var granted) || !granted) is { } denied
            ? $"consent:{denied}"
            : null;
    }

    /// <summary>The event's <c>context.consent.categoryPreferences</c> (booleans only), or null when it has none.</summary>
    public static IReadOnlyDictionary<string, bool>? Preferences(JsonObject segmentEvent)
    {
        if (segmentEvent["context"] is not JsonObject context || context["consent"] is not JsonObject consent
            || consent["categoryPreferences"] is not JsonObject categories)
        {
            return null;
        }
        var preferences = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var (category, value) in categories)
        {
            if (value?.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
            {
                preferences[category] = value.GetValue<bool>();
            }
        }
        return preferences;
    }
}
