using System.Globalization;
using Alle.Web.Services.Profiles;

namespace Alle.Web.Pages.Console.Profiles;

/// <summary>
/// The timeline's filters as typed in the page's query string: an event name, a call type, a range of days (UTC, the
/// "to" day included) and the cursor of the page to show. Anything unreadable is an error the page shows beside its field.
/// </summary>
public sealed record TimelineFilter(string? Event, string? Type, DateOnly? From, DateOnly? To, string? Next)
{
    public const int PageSize = 25;

    public static readonly string[] Types = ["track", "identify", "page", "screen", "group", "alias"];

    public bool IsFiltered => Event is not null || Type is not null || From is not null || To is not null;

    public TimelineQuery Query => new(PageSize, Next, Event, Type,
        From?.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc), To?.AddDays(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc));

    /// <summary>The filter, and the problems with what was typed (field → message); a field in error is left out.</summary>
    public static (TimelineFilter Filter, Dictionary<string, string> Errors) Read(string? eventName, string? type, string? from, string? to, string? next)
    {
        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        var name = string.IsNullOrWhiteSpace(eventName) ? null : eventName.Trim();
        if (name is { Length: > 200 })
        {
            errors["event"] = "An event name is at most 200 characters.";
            name = null;
        }
        var kind = string.IsNullOrWhiteSpace(type) ? null : type.Trim();
        if (kind is not null && !Types.Contains(kind, StringComparer.Ordinal))
        {
            errors["type"] = $"Choose one of {string.Join(", ", Types)}.";
            kind = null;
        }
        var start = Day(from, "from", errors);
        var end = Day(to, "to", errors);
        if (start is { } s && end is { } e && e < s)
        {
            errors["to"] = "The last day comes on or after the first.";
            end = null;
        }
        var cursor = string.IsNullOrWhiteSpace(next) || next.Length > 200 ? null : next;
        return (new TimelineFilter(name, kind, start, end, cursor), errors);
    }

    private static DateOnly? Day(string? text, string field, Dictionary<string, string> errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        if (DateOnly.TryParseExact(text.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            return day;
        }
        errors[field] = "Enter a date such as 2026-12-07.";
        return null;
    }
}
