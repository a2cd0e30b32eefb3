namespace Alle.Web.Journeys;

/// <summary>
/// A journey as the console's builder edits it: every field a form input, every list a list of rows (blank rows are
/// left out when the definition is built). A path's target is a step id, <see cref="JourneyForm.End"/>, or empty for
/// the step that follows in the list — as Messaging reads a target left out.
/// </summary>
public sealed class JourneyForm
{
    public const string End = "end";

    public string? Name { get; set; }

    /// <summary>audience or event.</summary>
    public string TriggerType { get; set; } = "audience";

    public string? AudienceKey { get; set; }

    public string? TriggerEvent { get; set; }

    public List<FilterRow> TriggerFilters { get; set; } = [];

    public bool EnrolCurrentMembers { get; set; }

    /// <summary>once, once_per_days or every_time.</summary>
    public string EntryPolicy { get; set; } = "once";

    public int? EntryDays { get; set; }

    public string Category { get; set; } = "marketing";

    /// <summary>How long an entry waits for a member who cannot be texted yet; blank for Messaging's default (7 days).</summary>
    public DurationInput ContactWindow { get; set; } = new();

    /// <summary>The goal's event; blank for no goal.</summary>
    public string? GoalEvent { get; set; }

    public List<FilterRow> GoalFilters { get; set; } = [];

    public DurationInput GoalWithin { get; set; } = new() { Amount = 30, Unit = "d" };

    public List<StepForm> Steps { get; set; } = [];
}

/// <summary>A span as a whole number and a unit (s, m, h, d, w); blank when the amount is.</summary>
public sealed class DurationInput
{
    public static readonly IReadOnlyList<(string Unit, string Name)> Units = [("s", "seconds"), ("m", "minutes"), ("h", "hours"), ("d", "days"), ("w", "weeks")];

    public int? Amount { get; set; }

    public string Unit { get; set; } = "d";

    public string? Text => Amount is { } amount ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{amount}{Unit}") : null;

    public static DurationInput Parse(string? text)
    {
        if (text is { Length: >= 2 } && "smhdw".Contains(text[^1], StringComparison.Ordinal)
            && int.TryParse(text.AsSpan(0, text.Length - 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var amount))
        {
            return new DurationInput { Amount = amount, Unit = text[^1].ToString() };
        }
        return new DurationInput();
    }
}

/// <summary>A condition on an event's property (a trigger's, a wait_for's, the goal's).</summary>
public sealed class FilterRow
{
    public static readonly IReadOnlyList<string> Operators = ["equals", "not_equals", "exists", "greater_than", "less_than"];

    public string? Property { get; set; }

    public string Operator { get; set; } = "equals";

    public string? Value { get; set; }

    public bool IsBlank => string.IsNullOrWhiteSpace(Property);
}

/// <summary>A property of a track step's event.</summary>
public sealed class PropertyRow
{
    public string? Name { get; set; }

    /// <summary>A number, true/false, text (in double quotes to keep a number as text), or a JSON object or array.</summary>
    public string? Value { get; set; }

    public bool IsBlank => string.IsNullOrWhiteSpace(Name);
}

/// <summary>One weighted path of a random split.</summary>
public sealed class PathRow
{
    public string? Name { get; set; }

    public int? Weight { get; set; }

    public bool Holdout { get; set; }

    public string? Next { get; set; }

    public bool IsBlank => string.IsNullOrWhiteSpace(Name) && Weight is null;
}

/// <summary>
/// One clause of a split's condition, in Audiences' condition language: a trait, a computed trait (operator and value),
/// membership of an audience, or an event performed (at least / at most / exactly N times, within a window).
/// </summary>
public sealed class SplitConditionRow
{
    public static readonly IReadOnlyList<(string Kind, string Name)> Kinds =
        [("trait", "has trait"), ("computedTrait", "has computed trait"), ("audience", "is in audience"), ("event", "performed event")];

    public bool Negate { get; set; }

    public string Kind { get; set; } = "trait";

    /// <summary>The trait's, computed trait's or audience's key, or the event's name.</summary>
    public string? Key { get; set; }

    public string Operator { get; set; } = "equals";

    public string? Value { get; set; }

    public string CountOperator { get; set; } = "atLeast";

    public int? Count { get; set; }

    public string? Within { get; set; }

    public bool IsBlank => string.IsNullOrWhiteSpace(Key);
}

/// <summary>One step; <see cref="Type"/> decides which of its fields count.</summary>
public sealed class StepForm
{
    public static readonly IReadOnlyList<(string Type, string Name)> Types =
    [
        ("wait", "Wait"), ("wait_for", "Wait for an event"), ("split", "Split on a condition"), ("random_split", "Random split"),
        ("issue_coupon", "Issue a coupon"), ("send_sms", "Send an SMS"), ("track", "Track an event"), ("exit", "Exit"),
    ];

    /// <summary>The <see cref="StepForm.OfferId"/> that stands for "the offer the trigger event names".</summary>
    public const string OfferFromEvent = "@event";

    public string Id { get; set; } = "";

    /// <summary>The id as last rendered: a renamed step's references follow it.</summary>
    public string? OriginalId { get; set; }

    public string Type { get; set; } = "send_sms";

    public string? Label { get; set; }

    public string? Next { get; set; }

    /// <summary>duration or until (a local time of day).</summary>
    public string WaitMode { get; set; } = "duration";

    public DurationInput Duration { get; set; } = new();

    public string? Until { get; set; }

    /// <summary>wait_for's and track's event.</summary>
    public string? Event { get; set; }

    public List<FilterRow> Filters { get; set; } = [];

    public DurationInput Timeout { get; set; } = new();

    public string? TimeoutNext { get; set; }

    /// <summary>and or or.</summary>
    public string Combine { get; set; } = "and";

    public List<SplitConditionRow> Conditions { get; set; } = [];

    /// <summary>A condition the rows cannot express, kept as JSON (it wins over the rows when not blank).</summary>
    public string? ConditionJson { get; set; }

    public string? Yes { get; set; }

    public string? No { get; set; }

    public List<PathRow> Paths { get; set; } = [];

    public string? OfferId { get; set; }

    public string? OfferIdProperty { get; set; }

    public string? Template { get; set; }

    public List<PropertyRow> Properties { get; set; } = [];

    /// <summary>Where a test of this step's text goes (not part of the definition).</summary>
    public string? TestPhone { get; set; }

    public static string TypeName(string type) => Types.FirstOrDefault(t => t.Type == type).Name ?? type;

    /// <summary>Each outcome's target, by the field it is kept in.</summary>
    public IEnumerable<(string Outcome, string? Target)> Targets()
    {
        switch (Type)
        {
            case "exit":
                yield break;
            case "split":
                yield return ("yes", Yes);
                yield return ("no", No);
                break;
            case "wait_for":
                yield return ("event", Next);
                yield return ("timeout", TimeoutNext);
                break;
            case "random_split":
                foreach (var path in Paths.Where(path => !path.IsBlank && !path.Holdout))
                {
                    yield return (path.Name ?? "path", path.Next);
                }
                break;
            default:
                yield return ("next", Next);
                break;
        }
    }
}
