using System.Text.Json;
using Fluid;

namespace Alle.Messaging.Journeys;

/// <summary>
/// SMS bodies from Liquid templates (Fluid): <c>{{ traits.first_name }}</c>, <c>{{ coupon.code }}</c>,
/// <c>{{ coupon.value }}</c>, <c>{{ event.providerName }}</c>, <c>{{ member.user_id }}</c>.
/// </summary>
internal static class JourneyTemplate
{
    private static readonly FluidParser s_parser = new();
    private static readonly TemplateOptions s_options = new() { MaxSteps = 10_000 };

    public static bool TryParse(string source, out string? error)
    {
        var parsed = s_parser.TryParse(source, out _, out var message);
        error = parsed ? null : message;
        return parsed;
    }

    public static string Render(string source, JsonElement? traits, IReadOnlyDictionary<string, object?>? coupon, JsonElement? eventProperties, string? userId)
    {
        if (!s_parser.TryParse(source, out var template, out var error))
        {
            throw new InvalidOperationException($"Invalid template: {error}");
        }
        var context = new TemplateContext(s_options);
        context.SetValue("traits", ToValue(traits) ?? new Dictionary<string, object?>());
        context.SetValue("coupon", coupon ?? new Dictionary<string, object?>());
        context.SetValue("event", ToValue(eventProperties) ?? new Dictionary<string, object?>());
        context.SetValue("member", new Dictionary<string, object?> { ["user_id"] = userId });
        return template.Render(context).Trim();
    }

    /// <summary>JSON as plain dictionaries, lists and scalars, which Liquid reads natively.</summary>
    private static object? ToValue(JsonElement? element) => element is not { } value ? null : value.ValueKind switch
    {
        JsonValueKind.Object => value.EnumerateObject().ToDictionary(p => p.Name, p => ToValue(p.Value)),
        JsonValueKind.Array => value.EnumerateArray().Select(item => ToValue(item)).ToList(),
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.TryGetInt64(out var whole) ? whole : value.GetDecimal(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };
}
