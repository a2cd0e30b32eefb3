namespace Alle.Web.Pages.Account;

/// <summary>
/// The IANA time zones a member can choose for quiet hours (Messaging reads the <c>timezone</c> trait): the program's
/// common zones first, then every other zone by region. The form searches them and starts from the browser's zone.
/// </summary>
public static class TimeZones
{
    public const string Default = "America/New_York";

    public const string CommonGroup = "Common in the U.S.";

    private static readonly string[] s_common =
        ["America/New_York", "America/Chicago", "America/Denver", "America/Phoenix", "America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu"];

    private static readonly Dictionary<string, string> s_commonNames = new(StringComparer.Ordinal)
    {
        ["America/New_York"] = "Eastern (New York)",
        ["America/Chicago"] = "Central (Chicago)",
        ["America/Denver"] = "Mountain (Denver)",
        ["America/Phoenix"] = "Mountain, no daylight saving (Phoenix)",
        ["America/Los_Angeles"] = "Pacific (Los Angeles)",
        ["America/Anchorage"] = "Alaska (Anchorage)",
        ["Pacific/Honolulu"] = "Hawaii (Honolulu)",
    };

    public static IReadOnlyList<IGrouping<string, string>> Grouped { get; } = Build();

    private static readonly HashSet<string> s_known = [.. Grouped.SelectMany(group => group)];

    public static bool IsKnown(string? zone) => zone is not null && s_known.Contains(zone);

    public static TimeZoneInfo? Find(string? zone) =>
        IsKnown(zone) && TimeZoneInfo.TryFindSystemTimeZoneById(zone!, out var found) ? found : null;

    /// <summary>How a zone reads in the list: "Eastern (New York)", "Europe / Paris".</summary>
    public static string Display(string zone) =>
        s_commonNames.TryGetValue(zone, out var name) ? name : zone.Replace('_', ' ').Replace("/", " / ", StringComparison.Ordinal);

    private static List<IGrouping<string, string>> Build()
    {
        var all = TimeZoneInfo.GetSystemTimeZones().Select(zone => zone.Id)
            .Where(id => id.Contains('/', StringComparison.Ordinal) && !id.StartsWith("Etc/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
        return [.. s_common.Where(all.Contains).Select(zone => (CommonGroup, zone))
            .Concat(all.Except(s_common).Select(zone => (zone.Split('/')[0], zone)))
            .GroupBy(pair => pair.Item1, pair => pair.zone)];
    }
}
