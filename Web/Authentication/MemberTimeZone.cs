using System.Text.Json;
using Alle.Web.Pages.Account;
using Alle.Web.Services.Profiles;

namespace Alle.Web.Authentication;

/// <summary>
/// The signed-in member's time zone (her profile's <c>timezone</c> trait, as quiet hours use it; the program's default
/// otherwise), read once per request, for showing times — a coupon's expiry, when a text will come — as her clock reads.
/// </summary>
public sealed class MemberTimeZone(ProfilesAdminService profiles, MemberSession session, ILogger<MemberTimeZone> logger)
{
    private TimeZoneInfo? _zone;

    public async Task<TimeZoneInfo> GetAsync(CancellationToken cancellationToken)
    {
        if (_zone is not null)
        {
            return _zone;
        }
        string? trait = null;
        try
        {
            if (await profiles.LookupAsync("userId", session.RequireMemberId(), cancellationToken) is { } profile
                && profile.Traits.TryGetValue("timezone", out var value) && value.ValueKind == JsonValueKind.String)
            {
                trait = value.GetString();
            }
        }
        catch (Exception exception) when (exception is HttpRequestException or Services.ServiceProblem or TaskCanceledException)
        {
            logger.LogInformation("No time zone from Profiles for this request; showing the program's");
        }
        _zone = TimeZones.Find(trait) ?? TimeZones.Find(TimeZones.Default)!;
        return _zone;
    }

    /// <summary>A time as she reads it, e.g. "Dec 14, 2026 at 8:00 AM EST".</summary>
    public static string Format(DateTimeOffset time, TimeZoneInfo zone, string format = "MMM d, yyyy 'at' h:mm tt")
    {
        var local = TimeZoneInfo.ConvertTime(time, zone);
        return $"{local.ToString(format, System.Globalization.CultureInfo.InvariantCulture)} {Abbreviation(zone, local)}";
    }

    /// <summary>The zone's short name when .NET knows one (EST, PDT), else its place name.</summary>
    private static string Abbreviation(TimeZoneInfo zone, DateTimeOffset local)
    {
        var name = zone.IsDaylightSavingTime(local) ? zone.DaylightName : zone.StandardName;
        var initials = string.Concat(name.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(word => word[0]));
        return name.Contains(' ', StringComparison.Ordinal) && initials.All(char.IsUpper) && initials.Length is >= 2 and <= 5
            ? initials
            : TimeZones.Display(zone.Id);
    }
}
