using System.Globalization;

namespace Alle.Platform.Durations;

/// <summary>The unit of a written <see cref="Duration"/>, by its letter.</summary>
public enum DurationUnit
{
    Seconds = 's',
    Minutes = 'm',
    Hours = 'h',
    Days = 'd',
    Weeks = 'w',
}

/// <summary>
/// A span written as a positive whole amount and a unit letter — <c>30s</c>, <c>15m</c>, <c>12h</c>, <c>30d</c>,
/// <c>2w</c> — as audience windows, computed traits, journey waits, timeouts, contact windows and goals are written.
/// No sign, space, fraction or other unit; each caller says how long a span it accepts.
/// </summary>
public readonly record struct Duration(int Amount, DurationUnit Unit)
{
    /// <summary>The elapsed time it names; a day is 24 hours (callers that keep a clock's time of day use <see cref="IsCalendar"/>).</summary>
    public TimeSpan Length => TimeSpan.FromSeconds((double)Amount * SecondsPer(Unit));

    /// <summary>Days and weeks, which a caller may count as calendar days rather than elapsed hours.</summary>
    public bool IsCalendar => Unit is DurationUnit.Days or DurationUnit.Weeks;

    /// <summary>The calendar days of a day or week span.</summary>
    public int CalendarDays => Unit switch
    {
        DurationUnit.Days => Amount,
        DurationUnit.Weeks => 7 * Amount,
        _ => throw new InvalidOperationException($"{this} is not a span of calendar days."),
    };

    /// <summary>
    /// Reads <paramref name="text"/>; false when it is not written as above or is longer than <paramref name="longest"/>
    /// (an amount too large for any span is refused, never an overflow).
    /// </summary>
    public static bool TryParse(string? text, TimeSpan longest, out Duration duration)
    {
        duration = default;
        if (string.IsNullOrEmpty(text) || text.Length < 2
            || !int.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var amount) || amount <= 0
            || !Enum.IsDefined((DurationUnit)text[^1]))
        {
            return false;
        }
        var unit = (DurationUnit)text[^1];
        if ((double)amount * SecondsPer(unit) > longest.TotalSeconds)
        {
            return false;
        }
        duration = new Duration(amount, unit);
        return true;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Amount}{(char)Unit}");

    private static long SecondsPer(DurationUnit unit) => unit switch
    {
        DurationUnit.Seconds => 1,
        DurationUnit.Minutes => 60,
        DurationUnit.Hours => 3_600,
        DurationUnit.Days => 86_400,
        DurationUnit.Weeks => 7 * 86_400,
        _ => throw new ArgumentOutOfRangeException(nameof(unit)),
    };
}
