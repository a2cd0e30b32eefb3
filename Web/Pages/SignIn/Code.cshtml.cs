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

    /// <summary>Why the code's text cannot reach her (unroutable, not_mobile, …), when Twilio said so.</summary>
    public string? Undeliverable { get; private set; }

    public bool Delivered { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (flow.Read(HttpContext) is not { } state)
        {
            return RedirectToPage("Index");
        }
        MaskedPhone = PhoneNumberMask.Of(state.Phone);
        if (state.VerificationId is { } id && await messaging.GetDeliveryAsync(id, cancellationToken) is { } delivery)
        {
            if (delivery is { Delivery: "failed", Reason: "opted_out" })
            {
                flow.Save(HttpContext, state with { ProgramNumber = delivery.ProgramNumber });
                return RedirectToPage("TextsStopped");
            }
            Undeliverable = delivery.Delivery == "failed" ? delivery.Reason ?? "undelivered" : null;
            Delivered = delivery.Delivery == "delivered";
        }
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
        switch (await messaging.StartVerificationAsync(state.Phone, cancellationToken))
        {
            case CodeRequest.Sent sent:
                flow.Save(HttpContext, state with { VerificationId = sent.VerificationId });
                TempData["Notice"] = "We sent a new code.";
                return RedirectToPage();
            case CodeRequest.Stopped stopped:
                flow.Save(HttpContext, state with { ProgramNumber = stopped.ProgramNumber });
                return RedirectToPage("TextsStopped");
            default:
                TempData["Notice"] = "Too many codes were sent to this number. Please try again in an hour.";
                return RedirectToPage();
        }
    }
}
