using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Alle.Messaging.Journeys;

/// <summary>What starts a journey for a member: entering an audience, or a track event (by name, with property filters).</summary>
internal sealed record JourneyTrigger(string Type, string? AudienceKey = null, string? Event = null, IReadOnlyList<PropertyFilter>? Filters = null)
{
    public const string Audience = "audience";
    public const string TrackEvent = "event";
}

/// <summary>A condition on a trigger event's property: equals, not_equals, exists, greater_than, less_than.</summary>
internal sealed record PropertyFilter(string Property, string Operator, JsonElement? Value = null)
{
    public bool Matches(JsonElement? properties)
    {
        JsonElement actual = default;
        var present = properties is { ValueKind: JsonValueKind.Object } props && props.TryGetProperty(Property, out actual) && actual.ValueKind != JsonValueKind.Null;
        return Operator switch
        {
            "exists" => present,
            "equals" => present && Value is { } expected && SameValue(actual, expected),
            "not_equals" => !present || Value is not { } other || !SameValue(actual, other),
            "greater_than" => present && Number(actual) is { } a && Value is { } g && Number(g) is { } b && a > b,
            "less_than" => present && Number(actual) is { } c && Value is { } l && Number(l) is { } d && c < d,
            _ => false,
        };
    }

    public static readonly IReadOnlyList<string> Operators = ["equals", "not_equals", "exists", "greater_than", "less_than"];

    private static bool SameValue(JsonElement actual, JsonElement expected) =>
        Number(actual) is { } a && Number(expected) is { } b ? a == b : Text(actual) == Text(expected);

    private static string? Text(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => element.GetRawText(),
    };

    private static decimal? Number(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Number when element.TryGetDecimal(out var number) => number,
        JsonValueKind.String when decimal.TryParse(element.GetString(), NumberStyles.Number, CultureInfo.InvariantCulture, out var parsed) => parsed,
        _ => null,
    };
}

/// <summary>The coupon step: a fixed offer, or the offer named by a property of the trigger event (e.g. <c>flashOfferId</c>).</summary>
internal sealed record CouponStep(string? OfferId = null, string? OfferIdProperty = null)
{
    public string? ResolveOfferId(JsonElement? triggerProperties) => OfferId
        ?? (OfferIdProperty is not null && triggerProperties is { ValueKind: JsonValueKind.Object } props && props.TryGetProperty(OfferIdProperty, out var value)
            ? value.ValueKind == JsonValueKind.String ? value.GetString() : value.ValueKind == JsonValueKind.Number ? value.GetRawText() : null
            : null);
}

/// <summary>How often a member may enter: once ever, or once per <see cref="Days"/> days.</summary>
internal sealed record EntryPolicy(string Type, int? Days = null)
{
    public const string Once = "once";
    public const string OncePerDays = "once_per_days";

    public static EntryPolicy Default { get; } = new(Once);

    public bool Allows(DateTimeOffset? lastEntry, DateTimeOffset now) => lastEntry is not { } last
        || (Type == OncePerDays && Days is { } days && now - last >= TimeSpan.FromDays(days));
}

internal sealed record JourneyDefinition(
    string Name,
    JourneyTrigger Trigger,
    string Template,
    int DelaySeconds = 0,
    CouponStep? Coupon = null,
    EntryPolicy? EntryPolicy = null,
    string Category = "marketing")
{
    [JsonIgnore]
    public EntryPolicy Policy => EntryPolicy ?? Journeys.EntryPolicy.Default;

    public bool MatchesEvent(string? eventName, JsonElement? properties) => Trigger.Type == JourneyTrigger.TrackEvent
        && string.Equals(Trigger.Event, eventName, StringComparison.Ordinal)
        && (Trigger.Filters ?? []).All(filter => filter.Matches(properties));

    /// <summary>Problems with the definition, by field; empty when it can run.</summary>
    public Dictionary<string, string[]> Validate()
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(Name) || Name.Length > 200)
        {
            errors["name"] = ["A name of at most 200 characters is required."];
        }
        switch (Trigger?.Type)
        {
            case JourneyTrigger.Audience when string.IsNullOrWhiteSpace(Trigger.AudienceKey):
                errors["trigger.audienceKey"] = ["An audience trigger names the audience key."];
                break;
            case JourneyTrigger.TrackEvent when string.IsNullOrWhiteSpace(Trigger.Event):
                errors["trigger.event"] = ["An event trigger names the track event."];
                break;
            case JourneyTrigger.TrackEvent when (Trigger.Filters ?? []).Any(f => f is null || string.IsNullOrWhiteSpace(f.Property) || !PropertyFilter.Operators.Contains(f.Operator)
                || (f.Operator != "exists" && f.Value is null)):
                errors["trigger.filters"] = [$"Each filter has a property, an operator ({string.Join(", ", PropertyFilter.Operators)}) and, except for exists, a value."];
                break;
            case JourneyTrigger.Audience or JourneyTrigger.TrackEvent:
                break;
            default:
                errors["trigger.type"] = ["audience or event."];
                break;
        }
        if (DelaySeconds < 0 || DelaySeconds > 90 * 24 * 3600)
        {
            errors["delaySeconds"] = ["Between 0 and 90 days."];
        }
        if (Coupon is not null && string.IsNullOrWhiteSpace(Coupon.OfferId) == string.IsNullOrWhiteSpace(Coupon.OfferIdProperty))
        {
            errors["coupon"] = ["Give either offerId or offerIdProperty."];
        }
        if (EntryPolicy is not null && !(EntryPolicy.Type == Journeys.EntryPolicy.Once
            || (EntryPolicy.Type == Journeys.EntryPolicy.OncePerDays && EntryPolicy.Days is > 0 and <= 3650)))
        {
            errors["entryPolicy"] = ["once, or once_per_days with days between 1 and 3650."];
        }
        if (Category is not ("marketing" or "transactional"))
        {
            errors["category"] = ["marketing or transactional."];
        }
        if (string.IsNullOrWhiteSpace(Template) || Template.Length > 1600)
        {
            errors["template"] = ["A Liquid template of at most 1600 characters is required."];
        }
        else if (!JourneyTemplate.TryParse(Template, out var error))
        {
            errors["template"] = [$"Not a valid Liquid template: {error}"];
        }
        return errors;
    }
}
