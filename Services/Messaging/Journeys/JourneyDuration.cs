using System.Globalization;
using Alle.Platform.Durations;

namespace Alle.Messaging.Journeys;

/// <summary>
/// A journey's span (a wait, a timeout, a contact window, a goal's window): a <see cref="Duration"/> of up to a year.
/// Days and weeks are calendar days on the member's clock (a day across a daylight-saving change keeps the time of day);
/// seconds, minutes and hours are elapsed time.
/// </summary>
internal readonly record struct JourneyDuration(Duration Written)
{
    public static readonly TimeSpan Longest = TimeSpan.FromDays(365);

    public TimeSpan Length => Written.Length;

    public static bool TryParse(string? text, out JourneyDuration duration)
    {
        var parsed = Duration.TryParse(text, Longest, out var written);
        duration = new JourneyDuration(written);
        return parsed;
    }

    /// <summary>The instant this long after <paramref name="from"/>: calendar days keep the local time of day in <paramref name="zone"/>.</summary>
    public DateTimeOffset After(DateTimeOffset from, TimeZoneInfo zone)
    {
        if (!Written.IsCalendar)
        {
            return from + Length;
        }
        var local = TimeZoneInfo.ConvertTime(from, zone).DateTime.AddDays(Written.CalendarDays);
        return LocalClock.ToInstant(local, zone);
    }

    public override string ToString() => Written.ToString();
}

/// <summary>Local wall-clock times on a member's clock, as instants.</summary>
internal static class LocalClock
{
    /// <summary>
    /// The instant a local time names in <paramref name="zone"/>. A time skipped by a daylight-saving change becomes the
    /// first minute that exists after it; a time that happens twice is its first occurrence.
    /// </summary>
    public static DateTimeOffset ToInstant(DateTime local, TimeZoneInfo zone)
    {
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(1);
        }
        var offset = zone.IsAmbiguousTime(local) ? zone.GetAmbiguousTimeOffsets(local).Max() : zone.GetUtcOffset(local);
        return new DateTimeOffset(local, offset).ToUniversalTime();
    }

    /// <summary>The next time the member's clock shows <paramref name="timeOfDay"/> after <paramref name="from"/> (today if still ahead).</summary>
    public static DateTimeOffset Next(DateTimeOffset from, TimeOnly timeOfDay, TimeZoneInfo zone)
    {
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(from, zone).DateTime);
        for (var day = 0; day < 3; day++)
        {
            var candidate = ToInstant(today.AddDays(day).ToDateTime(timeOfDay), zone);
            if (candidate > from)
            {
                return candidate;
            }
        }
        throw new InvalidOperationException("No later occurrence of the time of day within three days.");
    }

    public static bool TryParseTimeOfDay(string? text, out TimeOnly time) =>
        TimeOnly.TryParseExact(text, ["HH:mm", "H:mm"], CultureInfo.InvariantCulture, DateTimeStyles.None, out time);
}
