using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Alle.Web.Authentication;
using Alle.Web.Services;
using Alle.Web.Services.Loyalty;
using Alle.Web.Services.Messaging;
using Alle.Web.Services.Profiles;
using Alle.Web.Tracking;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Alle.Web.Pages.Account;

/// <summary>
/// Marketing texts on/off (Messaging's consent, the same record STOP and START change), the time zone for quiet hours
/// (the profile's <c>timezone</c> trait, by identify) and her details (Loyalty, which tells the profile).
/// </summary>
public sealed class PreferencesModel(LoyaltyService loyalty, MessagingService messaging, ProfilesAdminService profiles, MemberSession session,
    PortalTracking tracking) : PageModel
{
    private const string ChosenTimeZoneKey = "ChosenTimeZone";

    [BindProperty]
    public MemberDetailsInput Details { get; set; } = new();

    public bool Marketing { get; private set; }

    /// <summary>Texts to her number are stopped (she texted STOP): nothing is on until she texts START.</summary>
    public bool Stopped { get; private set; }

    public string? ProgramNumber { get; private set; }

    public string MaskedPhone { get; private set; } = "";

    public string TimeZone { get; private set; } = TimeZones.Default;

    public Alle.Web.Pages.Shared.TimeZoneField TimeZoneField => new("timeZone", "timeZone", TimeZone, FromBrowser: false);

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        await LoadAsync(cancellationToken);
        var member = await loyalty.GetMemberAsync(cancellationToken);
        Details = new MemberDetailsInput { FirstName = member.FirstName, LastName = member.LastName, Email = member.Email, Birthday = member.Birthday, Zip = member.Zip };
    }

    public async Task<IActionResult> OnPostMarketingAsync(bool marketing, CancellationToken cancellationToken)
    {
        var evidence = marketing
            ? $"Ticked in the portal's preferences: \"{Alle.Web.Pages.SignIn.ConsentWording.Marketing}\""
            : "Unticked marketing texts in the portal's preferences.";
        Preferences saved;
        try
        {
            saved = await messaging.SetMarketingAsync(marketing, evidence, cancellationToken);
        }
        catch (ServiceProblem problem) when (problem.Status == System.Net.HttpStatusCode.Conflict)
        {
            // Texts are stopped: the page shows what she must do; nothing was changed.
            TempData["Notice"] = "Your texts are stopped, so offers by text cannot be turned on. Text START first (see below).";
            return RedirectToPage();
        }
        tracking.Track(HttpContext, "Marketing Preference Changed", new { marketing = saved.Marketing });
        TempData["Notice"] = saved.Marketing ? "You will receive offers by text." : "You will no longer receive offers by text.";
        return RedirectToPage();
    }

    public IActionResult OnPostTimeZone(string? timeZone)
    {
        if (!TimeZones.IsKnown(timeZone))
        {
            TempData["Notice"] = "Choose a time zone from the list.";
            return RedirectToPage();
        }
        tracking.Identify(HttpContext, session.RequireMemberId(), new Dictionary<string, object?> { ["timezone"] = timeZone });
        TempData["Notice"] = $"Your time zone is now {timeZone!.Replace('_', ' ')}.";
        // The profile hears of it in a moment; until then, show what she chose.
        TempData[ChosenTimeZoneKey] = timeZone;
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostDetailsAsync(CancellationToken cancellationToken)
    {
        foreach (var (field, message) in Details.Check(DateOnly.FromDateTime(DateTime.UtcNow)))
        {
            ModelState.AddModelError($"Details.{field}", message);
        }
        if (!ModelState.IsValid)
        {
            await LoadAsync(cancellationToken);
            return Page();
        }
        try
        {
            await loyalty.UpdateDetailsAsync(new MemberDetails(Details.FirstName!.Trim(), Details.LastName!.Trim(), Details.Email?.Trim() ?? "",
                Details.Birthday, Details.Zip?.Trim() ?? ""), cancellationToken);
        }
        catch (ServiceProblem problem) when (problem.Status == System.Net.HttpStatusCode.BadRequest)
        {
            ModelState.AddModelError(string.Empty, problem.Describe());
            await LoadAsync(cancellationToken);
            return Page();
        }
        tracking.Track(HttpContext, "Profile Details Updated");
        TempData["Notice"] = "Your details are saved.";
        return RedirectToPage();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var preferences = messaging.GetPreferencesAsync(cancellationToken);
        var profile = profiles.LookupAsync("userId", session.RequireMemberId(), cancellationToken);
        try
        {
            var current = await preferences;
            Marketing = current.Marketing;
            Stopped = current.Stopped;
            ProgramNumber = current.ProgramNumber;
            MaskedPhone = current.Phone;
        }
        catch (ServiceProblem problem) when (problem.Status == System.Net.HttpStatusCode.NotFound)
        {
            MaskedPhone = "your phone";
        }
        if (TempData[ChosenTimeZoneKey] is string chosen && TimeZones.IsKnown(chosen))
        {
            TimeZone = chosen;
        }
        else if (await profile is { } found && found.Traits.TryGetValue("timezone", out var zone) && zone.ValueKind == JsonValueKind.String
            && TimeZones.IsKnown(zone.GetString()))
        {
            TimeZone = zone.GetString()!;
        }
    }
}
