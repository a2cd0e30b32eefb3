using System.Text.Json;
using Alle.Web.Authentication;
using Alle.Web.Services;
using Alle.Web.Services.Loyalty;
using Alle.Web.Services.Messaging;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Alle.Web.Pages.Account;

/// <summary>
/// Flash Rewards: the member says where she is; Loyalty records the check-in and, when a flash offer runs there for
/// her, puts its coupon in her wallet at once. The page says so, and when its text will come: now, after quiet hours
/// in her time zone, or not at all (offers by text off, texts stopped). A refused check-in says why and until when.
/// </summary>
public sealed class CheckInModel(LoyaltyService loyalty, MessagingService messaging, MemberTimeZone timeZone, TimeProvider clock) : PageModel
{
    private const string ReceiptKey = "CheckInReceipt";
    private const string RefusalKey = "CheckInRefusal";

    [BindProperty(SupportsGet = true)]
    public string? Zip { get; set; }

    public IReadOnlyList<Provider> Nearby { get; private set; } = [];

    public CheckInReceipt? Receipt { get; private set; }

    public string? Refusal { get; private set; }

    public string? Error { get; private set; }

    public TimeZoneInfo Zone { get; private set; } = TimeZoneInfo.Utc;

    /// <summary>When the coupon's text will reach her, in words; null when no flash offer came with the check-in.</summary>
    public string? TextTiming { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Zone = await timeZone.GetAsync(cancellationToken);
        Refusal = TempData[RefusalKey] as string;
        if (TempData[ReceiptKey] is string receipt)
        {
            Receipt = JsonSerializer.Deserialize<CheckInReceipt>(receipt);
            if (Receipt?.Coupon is not null)
            {
                TextTiming = await DescribeTextTimingAsync(cancellationToken);
            }
        }
        Zip ??= (await loyalty.GetMemberAsync(cancellationToken)).Zip;
        if (string.IsNullOrWhiteSpace(Zip))
        {
            return;
        }
        try
        {
            var found = await loyalty.SearchProvidersAsync(Zip.Trim(), 25, null, cancellationToken);
            Nearby = found?.Providers ?? [];
            Error = found is null ? $"We have no providers listed around {Zip} yet." : null;
        }
        catch (ServiceProblem problem) when (problem.Status == System.Net.HttpStatusCode.BadRequest)
        {
            Error = problem.Describe();
        }
    }

    public async Task<IActionResult> OnPostAsync(string? providerId, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(providerId))
        {
            return RedirectToPage();
        }
        try
        {
            var receipt = await loyalty.CheckInAsync(providerId, cancellationToken);
            TempData[ReceiptKey] = JsonSerializer.Serialize(receipt);
        }
        catch (ServiceProblem problem) when (problem.Status == System.Net.HttpStatusCode.NotFound)
        {
            TempData["Notice"] = "We could not find that provider.";
        }
        catch (ServiceProblem problem) when (problem.Status == System.Net.HttpStatusCode.Conflict)
        {
            TempData[RefusalKey] = ExplainRefusal(problem, await timeZone.GetAsync(cancellationToken));
        }
        return RedirectToPage();
    }

    /// <summary>A refused check-in in her words: where she is checked in, since when, and when she can check in again.</summary>
    public static string ExplainRefusal(ServiceProblem problem, TimeZoneInfo zone)
    {
        var name = problem.Extensions.TryGetValue("providerName", out var provider) ? provider.GetString() : "another provider";
        var since = problem.Extensions.TryGetValue("checkedInAt", out var at) && at.TryGetDateTimeOffset(out var checkedIn)
            ? MemberTimeZone.Format(checkedIn, zone, "h:mm tt") : null;
        var allowed = problem.Extensions.TryGetValue("allowedFrom", out var from) && from.TryGetDateTimeOffset(out var allowedFrom)
            ? MemberTimeZone.Format(allowedFrom, zone, "h:mm tt") : null;
        return problem.Type?.EndsWith("already-checked-in-here", StringComparison.Ordinal) == true
            ? $"You already checked in at {name}{(since is null ? "" : $" at {since}")}. One visit counts once: you can check in here again after {allowed ?? "a while"}."
            : $"You are checked in at {name}{(since is null ? "" : $" since {since}")}. You can check in at one provider at a time: somewhere else after {allowed ?? "a while"}.";
    }

    private async Task<string> DescribeTextTimingAsync(CancellationToken cancellationToken)
    {
        Preferences preferences;
        try
        {
            preferences = await messaging.GetPreferencesAsync(cancellationToken);
        }
        catch (ServiceProblem)
        {
            return "We will also text it to you.";
        }
        if (preferences.Stopped)
        {
            return "We will not text it: texts to your number are stopped (text START to get them again).";
        }
        if (preferences.MarketingTextsAt is not { } at)
        {
            return "We will not text it, because offers by text are off in your preferences.";
        }
        var zone = TimeZones.Find(preferences.TimeZone) ?? Zone;
        return at > clock.GetUtcNow().AddMinutes(1)
            ? $"We do not text offers at night, so its text will come at {MemberTimeZone.Format(at, zone, "h:mm tt 'on' MMM d")}."
            : "Its text is on its way to your phone now.";
    }
}
