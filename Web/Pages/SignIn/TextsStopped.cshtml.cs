using Alle.Platform.Identifiers;
using Alle.Web.Authentication;
using Alle.Web.Extensions;
using Alle.Web.Services.Messaging;
using Alle.Web.Tracking;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;

namespace Alle.Web.Pages.SignIn;

/// <summary>
/// The number she signs in with has opted out of texts (she texted STOP, or told her carrier), so no code can reach
/// it. The page says so, shows the number to text START to, notices when she has (it asks while she is here) and
/// lets her continue to a code.
/// </summary>
[EnableRateLimiting(ApplicationServiceExtensions.SignInRateLimit)]
public sealed class TextsStoppedModel(MessagingService messaging, SignInFlow flow, PortalTracking tracking) : PageModel
{
    public string MaskedPhone { get; private set; } = "";

    public string? ProgramNumber { get; private set; }

    public bool StillStopped { get; private set; }

    public IActionResult OnGet()
    {
        if (flow.Read(HttpContext) is not { } state)
        {
            return RedirectToPage("Index");
        }
        Show(state);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (flow.Read(HttpContext) is not { } state)
        {
            TempData["Notice"] = "Your sign-in took too long. Please start again.";
            return RedirectToPage("Index");
        }
        switch (await messaging.StartVerificationAsync(state.Phone, cancellationToken))
        {
            case CodeRequest.Sent sent:
                flow.Save(HttpContext, state with { VerificationId = sent.VerificationId });
                tracking.Track(HttpContext, "Sign In Code Requested", new { afterStart = true });
                return RedirectToPage("Code");
            case CodeRequest.Stopped stopped:
                Show(state with { ProgramNumber = stopped.ProgramNumber ?? state.ProgramNumber });
                StillStopped = true;
                return Page();
            default:
                TempData["Notice"] = "Too many codes were sent to this number. Please try again in an hour.";
                return RedirectToPage("Index");
        }
    }

    private void Show(SignInState state)
    {
        MaskedPhone = PhoneNumberMask.Of(state.Phone);
        ProgramNumber = state.ProgramNumber;
    }
}
