using Alle.Platform.Identifiers;
using Alle.Web.Authentication;
using Alle.Web.Extensions;
using Alle.Web.Services.Messaging;
using Alle.Web.Tracking;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;

namespace Alle.Web.Pages.SignIn;

[EnableRateLimiting(ApplicationServiceExtensions.SignInRateLimit)]
public sealed class IndexModel(MessagingService messaging, PhoneNumberNormalizer phones, SignInFlow flow, PortalTracking tracking) : PageModel
{
    [BindProperty]
    public string? Phone { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public IActionResult OnGet() => User.SignedInMemberId() is null ? Page() : LocalRedirect("/home");

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (phones.ToE164(Phone) is not { } phone)
        {
            ModelState.AddModelError(nameof(Phone), "Enter a mobile number, e.g. (555) 555-0100.");
            return Page();
        }
        switch (await messaging.StartVerificationAsync(phone, cancellationToken))
        {
            case CodeRequest.Sent sent:
                flow.Save(HttpContext, new SignInState(phone, Verified: false, SafeReturnUrl(ReturnUrl), sent.VerificationId));
                tracking.Track(HttpContext, "Sign In Code Requested");
                return RedirectToPage("Code");
            case CodeRequest.Stopped stopped:
                flow.Save(HttpContext, new SignInState(phone, Verified: false, SafeReturnUrl(ReturnUrl), ProgramNumber: stopped.ProgramNumber));
                return RedirectToPage("TextsStopped");
            default:
                ModelState.AddModelError(nameof(Phone), "Too many codes were sent to this number. Please try again in an hour.");
                return Page();
        }
    }

    public static string? SafeReturnUrl(string? url) =>
        !string.IsNullOrEmpty(url) && url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal)
            && !url.StartsWith("/console", StringComparison.OrdinalIgnoreCase) ? url : null;
}
