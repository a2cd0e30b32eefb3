namespace Alle.Messaging.Sending;

/// <summary>
/// The hours of the recipient's local day when marketing texts wait (default 21:00 to 08:00). A window that crosses
/// midnight (start after end) covers the night; start equal to end means no quiet hours.
/// </summary>
internal sealed record QuietHours(TimeOnly Start, TimeOnly End)
{
    public static QuietHours Default { get; } = new(new TimeOnly(21, 0), new TimeOnly(8, 0));

    public bool Contains(TimeOnly localTime) => Start != End && (Start < End
        ? localTime >= Start && localTime < End
        : localTime >= Start || localTime < End);

    /// <summary><paramref name="now"/> if it is outside quiet hours in <paramref name="zone"/>, else the instant they end.</summary>
    public DateTimeOffset NextAllowed(DateTimeOffset now, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(now, zone);
        var localTime = TimeOnly.FromDateTime(local.DateTime);
        if (!Contains(localTime))
        {
            return now;
        }

        var endDate = DateOnly.FromDateTime(local.DateTime);
        if (Start > End && localTime >= Start)
        {
            endDate = endDate.AddDays(1);
        }
        var endLocal = endDate.ToDateTime(End);
        // A quiet-hours end that falls into a daylight-saving gap does not exist locally: the first valid minute after it does.
        while (zone.IsInvalidTime(endLocal))
        {
            endLocal = endLocal.AddMinutes(1);
        }
        var offset = zone.GetUtcOffset(endLocal);
        return new DateTimeOffset(endLocal, offset).ToUniversalTime();
    }
}
