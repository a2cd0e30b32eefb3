using System.Globalization;
using System.Text.RegularExpressions;

namespace Alle.Audiences.Conditions;

/// <summary>
/// The date strings date conditions understand: a date (<c>2025-03-01</c>, midnight UTC, years 1000 to 9999) or a date
/// and time with an explicit offset (up to ±14:00) (<c>2025-03-01T09:30:00Z</c>, <c>2025-03-01T09:30:00.123+02:00</c>). Deliberately strict, so the
/// database function <c>audiences_instant(text)</c> (migration 0001) reads exactly the same strings the same way.
/// </summary>
internal static partial class IsoInstant
{
    [GeneratedRegex(@"^([1-9]\d{3})-(\d{2})-(\d{2})(?:[T ]([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d)(?:\.(\d{1,6}))?)?(Z|[+-](?:0\d|1[0-3]):[0-5]\d|[+-]14:00))?$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    public static bool TryParse(string? text, out DateTimeOffset instant)
    {
        instant = default;
        if (text is null || Pattern().Match(text) is not { Success: true } match)
        {
            return false;
        }
        try
        {
            int Group(int index) => match.Groups[index].Success ? int.Parse(match.Groups[index].ValueSpan, CultureInfo.InvariantCulture) : 0;
            var offset = TimeSpan.Zero;
            var zone = match.Groups[8].Value;
            if (zone.Length > 1)
            {
                offset = new TimeSpan(int.Parse(zone.AsSpan(1, 2), CultureInfo.InvariantCulture), int.Parse(zone.AsSpan(4, 2), CultureInfo.InvariantCulture), 0);
                offset = zone[0] == '-' ? -offset : offset;
            }
            var fraction = match.Groups[7].Success ? match.Groups[7].Value.PadRight(6, '0') : "0";
            instant = new DateTimeOffset(Group(1), Group(2), Group(3), Group(4), Group(5), Group(6), offset)
                .AddTicks(long.Parse(fraction, CultureInfo.InvariantCulture) * 10);
            return true;
        }
        catch (ArgumentOutOfRangeException)
        {
            return false;
        }
    }

    /// <summary>Formats an instant so that <see cref="TryParse"/> and PostgreSQL read it back unchanged (microseconds).</summary>
    public static string Format(DateTimeOffset instant) => instant.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
}
