using Alle.Platform.Identifiers;
using Alle.Web.Authentication;
using Alle.Web.Extensions;
using Alle.Web.Services.Loyalty;
using Alle.Web.Services.Messaging;
using Alle.Web.Tracking;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;

namespace Alle.Web.Pages.SignIn;

[EnableRateLimiting(ApplicationServiceExtensions.SignInRateLimit)]
public sealed class CodeModel(MessagingService messaging, LoyaltyAdminService loyalty, SignInFlow flow, PortalTracking tracking) : PageModel
{
    [BindProperty]
    public string? Code { get; set; }

    public string MaskedPhone { get; private set; } = "";

    public IActionResult OnGet()
    {
        if (flow.Read(HttpContext) is not { } state)
        {
            return RedirectToPage("Index");
        }
        MaskedPhone = PhoneNumberMask.Of(state.Phone);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (flow.Read(HttpContext) is not { } state)
        {
            TempData["Notice"] = "Your sign-in took too long. Please start again.";
            return RedirectToPage("Index");
        }
        MaskedPhone = PhoneNumberMask.Of(state.Phone);
        var code = new string((Code ?? "").Where(char.IsAsciiDigit).ToArray());
        if (code.Length != 6)
        {
            ModelState.AddModelError(nameof(Code), "The code is the 6 digits from the text message.");
            return Page();
        }

        var check = await messaging.CheckVerificationAsync(state.Phone, code, cancellationToken);
        if (!check.Valid)
        {
            ModelState.AddModelError(nameof(Code), check.Status switch
            {
                "max_attempts_reached" => "Too many wrong codes. Send a new code and try again.",
                "expired" => "This code has expired. Send a new code.",
                _ => "That code is not right. Check the text message and try again.",
            });
            tracking.Track(HttpContext, "Sign In Code Rejected", new { reason = check.Status });
            return Page();
        }

        if (await loyalty.FindByPhoneAsync(state.Phone, cancellationToken) is { Status: "enrolled" } member)
        {
            flow.Clear(HttpContext);
            await HttpContext.SignInMemberAsync(member.MemberId);
            tracking.Identify(HttpContext, member.MemberId);
            tracking.Track(HttpContext, "Signed In", new { method = "sms_code" }, member.MemberId);
            return LocalRedirect(state.ReturnUrl ?? "/home");
        }
        flow.Save(HttpContext, state with { Verified = true });
        return RedirectToPage("Join");
    }

    public async Task<IActionResult> OnPostResendAsync(CancellationToken cancellationToken)
    {
        if (flow.Read(HttpContext) is not { } state)
        {
            return RedirectToPage("Index");
        }
        TempData["Notice"] = await messaging.StartVerificationAsync(state.Phone, cancellationToken)
            ? "We sent a new code."
            : "Too many codes were sent to this number. Please try again in an hour.";
        return RedirectToPage();
    }
}
