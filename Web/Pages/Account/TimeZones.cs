namespace Alle.Web.Pages.Account;

/// <summary>The IANA time zones a member can choose for quiet hours (Messaging reads the <c>timezone</c> trait), US zones first.</summary>
public static class TimeZones
{
    public const string Default = "America/New_York";

    private static readonly string[] s_common =
        ["America/New_York", "America/Chicago", "America/Denver", "America/Phoenix", "America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu"];

    public static IReadOnlyList<IGrouping<string, string>> Grouped { get; } = Build();

    public static bool IsKnown(string? zone) => zone is not null && Grouped.Any(group => group.Contains(zone));

    private static List<IGrouping<string, string>> Build()
    {
        var all = TimeZoneInfo.GetSystemTimeZones().Select(zone => zone.Id)
            .Where(id => id.Contains('/', StringComparison.Ordinal) && !id.StartsWith("Etc/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
        return [.. s_common.Where(all.Contains).Select(zone => ("United States", zone))
            .Concat(all.Except(s_common).Select(zone => (zone.Split('/')[0], zone)))
            .GroupBy(pair => pair.Item1, pair => pair.zone)];
    }
}
