namespace Alle.Testing;

public static class TestTimeZones
{
    /// <summary>
    /// A time zone where it is now about 13:00, so quiet hours (21:00–08:00 by default) never hold a marketing text in a
    /// test, whatever the time the suite runs. Etc/GMT-N is UTC+N (the POSIX sign convention).
    /// </summary>
    public static string Daytime()
    {
        var offset = 13 - DateTimeOffset.UtcNow.Hour;
        offset = offset > 14 ? offset - 24 : offset < -12 ? offset + 24 : offset;
        return offset switch { 0 => "Etc/UTC", > 0 => $"Etc/GMT-{offset}", _ => $"Etc/GMT+{-offset}" };
    }
}
