using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Alle.Messaging.Journeys;

/// <summary>
/// What starts a journey for a member: entering an audience (optionally enrolling its current members when the journey
/// is activated), or a track event by name with property filters.
/// </summary>
internal sealed record JourneyTrigger(string Type, string? AudienceKey = null, string? Event = null, IReadOnlyList<PropertyFilter>? Filters = null,
    bool EnrolCurrentMembers = false)
{
    public const string Audience = "audience";
    public const string TrackEvent = "event";

    public bool Matches(string? eventName, JsonElement? properties) => Type == TrackEvent
        && string.Equals(Event, eventName, StringComparison.Ordinal)
        && PropertyFilter.All(Filters, properties);
}

/// <summary>A condition on an event's property: equals, not_equals, exists, greater_than, less_than.</summary>
internal sealed record PropertyFilter(string Property, string Operator, JsonElement? Value = null)
{
    public static readonly IReadOnlyList<string> Operators = ["equals", "not_equals", "exists", "greater_than", "less_than"];

    public static bool All(IReadOnlyList<PropertyFilter>? filters, JsonElement? properties) => (filters ?? []).All(filter => filter.Matches(properties));

    public bool IsValid => !string.IsNullOrWhiteSpace(Property) && Operators.Contains(Operator) && (Operator == "exists" || Value is not null);

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

/// <summary>How often one person may enter: once ever, once per <see cref="Days"/> days, or every time the trigger fires.</summary>
internal sealed record EntryPolicy(string Type, int? Days = null)
{
    public const string Once = "once";
    public const string OncePerDays = "once_per_days";
    public const string EveryTime = "every_time";

    public static EntryPolicy Default { get; } = new(Once);

    public bool IsValid => Type is Once or EveryTime || (Type == OncePerDays && Days is > 0 and <= 3650);

    public bool Allows(DateTimeOffset? lastEntry, DateTimeOffset now) => lastEntry is not { } last
        || Type == EveryTime
        || (Type == OncePerDays && Days is { } days && now - last >= TimeSpan.FromDays(days));
}

/// <summary>
/// What the journey is for: an event (e.g. <c>Offer Redeemed</c>, with property filters) performed within
/// <see cref="Within"/> after entering. Entries on every path, the holdout's included, are measured against it.
/// </summary>
internal sealed record JourneyGoal(string Event, IReadOnlyList<PropertyFilter>? Filters = null, string Within = "30d")
{
    /// <summary>Whether the event converts an entry that entered at <paramref name="enteredAt"/>.</summary>
    public bool IsMetBy(DateTimeOffset enteredAt, string? eventName, JsonElement? properties, DateTimeOffset performedAt) =>
        string.Equals(eventName, Event, StringComparison.Ordinal)
        && JourneyDuration.TryParse(Within, out var window)
        && performedAt >= enteredAt && performedAt <= enteredAt + window.Length
        && PropertyFilter.All(Filters, properties);
}

/// <summary>One weighted path of a <c>random_split</c>; a holdout path receives nothing and ends there.</summary>
internal sealed record SplitPath(string Name, int Weight, string? Next = null, bool Holdout = false);

/// <summary>
/// One step of a journey's graph. <see cref="Type"/> decides which fields it uses; every target (<see cref="Next"/>,
/// <see cref="Yes"/>, <see cref="No"/>, <see cref="TimeoutNext"/>, a path's next) names another step's id, <c>end</c>,
/// or is left out for the step that follows in the list.
/// </summary>
internal sealed record JourneyStep(
    string Id,
    string Type,
    string? Next = null,
    string? Label = null,
    string? Duration = null,
    string? Until = null,
    string? Event = null,
    IReadOnlyList<PropertyFilter>? Filters = null,
    string? Timeout = null,
    string? TimeoutNext = null,
    JsonElement? Condition = null,
    string? Yes = null,
    string? No = null,
    IReadOnlyList<SplitPath>? Paths = null,
    string? OfferId = null,
    string? OfferIdProperty = null,
    string? Template = null,
    JsonElement? Properties = null)
{
    public const string Wait = "wait";
    public const string WaitFor = "wait_for";
    public const string Split = "split";
    public const string RandomSplit = "random_split";
    public const string IssueCoupon = "issue_coupon";
    public const string SendSms = "send_sms";
    public const string Track = "track";
    public const string Exit = "exit";

    public static readonly IReadOnlyList<string> Types = [Wait, WaitFor, Split, RandomSplit, IssueCoupon, SendSms, Track, Exit];

    /// <summary>The offer to issue: the fixed one, or the one the trigger event names (e.g. <c>flashOfferId</c>).</summary>
    public string? ResolveOfferId(JsonElement? triggerProperties) => OfferId
        ?? (OfferIdProperty is not null && triggerProperties is { ValueKind: JsonValueKind.Object } props && props.TryGetProperty(OfferIdProperty, out var value)
            ? value.ValueKind == JsonValueKind.String ? value.GetString() : value.ValueKind == JsonValueKind.Number ? value.GetRawText() : null
            : null);
}

/// <summary>
/// A journey: its trigger, entry policy, message category, how long an entry waits for a member who cannot be texted yet
/// (<see cref="ContactWindow"/>), its goal, and its graph of steps. Stored as JSON, one row per version.
/// </summary>
internal sealed record JourneyDefinition(
    string Name,
    JourneyTrigger Trigger,
    IReadOnlyList<JourneyStep> Steps,
    EntryPolicy? EntryPolicy = null,
    string Category = "marketing",
    string? ContactWindow = null,
    JourneyGoal? Goal = null)
{
    public static readonly TimeSpan DefaultContactWindow = TimeSpan.FromDays(7);

    [JsonIgnore]
    public EntryPolicy Policy => EntryPolicy ?? Journeys.EntryPolicy.Default;

    [JsonIgnore]
    public TimeSpan ContactWindowLength => JourneyDuration.TryParse(ContactWindow, out var window) ? window.Length : DefaultContactWindow;

    public bool MatchesEvent(string? eventName, JsonElement? properties) => Trigger.Matches(eventName, properties);

    /// <summary>Problems with the definition, keyed by where they are (<c>steps[2].template</c>); empty when it can run.</summary>
    public Dictionary<string, string[]> Validate() => JourneyValidation.Validate(this);
}
