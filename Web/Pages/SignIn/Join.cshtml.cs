using System.ComponentModel.DataAnnotations;
using Alle.Platform.Identifiers;
using Alle.Web.Authentication;
using Alle.Web.Pages.Account;
using Alle.Web.Services;
using Alle.Web.Services.Loyalty;
using Alle.Web.Tracking;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Alle.Web.Pages.SignIn;

/// <summary>
/// Enrolment after a verified code: the phone comes only from the encrypted sign-in cookie. Transactional texts are
/// part of membership; marketing texts only if the box is ticked. The wording shown goes to Loyalty, which publishes it
/// with <c>MemberEnrolled</c> as the consent evidence.
/// </summary>
public sealed class JoinModel(LoyaltyAdminService loyalty, SignInFlow flow, PortalTracking tracking, TimeProvider clock) : PageModel
{
    [BindProperty]
    public JoinInput Input { get; set; } = new();

    public string MaskedPhone { get; private set; } = "";

    /// <summary>She posted the form already: the zone shown is hers, not the browser's guess.</summary>
    public bool TimeZoneChosen => Request.HasFormContentType;

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (flow.Read(HttpContext) is not { Verified: true } state)
        {
            return RedirectToPage("Index");
        }
        MaskedPhone = PhoneNumberMask.Of(state.Phone);
        // A provider may have registered her at the desk: start from what they typed.
        if (await loyalty.FindByPhoneAsync(state.Phone, cancellationToken) is { } preRegistered)
        {
            Input.FirstName = preRegistered.FirstName;
            Input.LastName = preRegistered.LastName;
        }
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (flow.Read(HttpContext) is not { Verified: true } state)
        {
            TempData["Notice"] = "Please verify your number again.";
            return RedirectToPage("Index");
        }
        MaskedPhone = PhoneNumberMask.Of(state.Phone);
        if (!TimeZones.IsKnown(Input.TimeZone))
        {
            ModelState.AddModelError("Input.TimeZone", "Choose a time zone from the list.");
        }
        foreach (var (field, message) in Input.Check(DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime)))
        {
            ModelState.AddModelError($"Input.{field}", message);
        }
        if (!ModelState.IsValid)
        {
            return Page();
        }

        Enrolment enrolment;
        try
        {
            enrolment = await loyalty.EnrolAsync(new EnrolmentRequest(state.Phone, Input.FirstName!.Trim(), Input.LastName!.Trim(),
                string.IsNullOrWhiteSpace(Input.Email) ? null : Input.Email.Trim(), Input.Birthday, string.IsNullOrWhiteSpace(Input.Zip) ? null : Input.Zip.Trim(),
                MarketingConsent: Input.MarketingConsent, TransactionalConsent: true, ConsentWording.AsShown(Input.MarketingConsent), Source: "portal"), cancellationToken);
        }
        catch (ServiceProblem problem) when (problem.Status == System.Net.HttpStatusCode.BadRequest)
        {
            foreach (var (field, messages) in problem.Errors)
            {
                foreach (var message in messages)
                {
                    ModelState.AddModelError($"Input.{char.ToUpperInvariant(field[0])}{field[1..]}", message);
                }
            }
            if (problem.Errors.Count == 0)
            {
                ModelState.AddModelError(string.Empty, problem.Describe());
            }
            return Page();
        }

        flow.Clear(HttpContext);
        await HttpContext.SignInMemberAsync(enrolment.MemberId);
        tracking.Identify(HttpContext, enrolment.MemberId, new Dictionary<string, object?> { ["timezone"] = Input.TimeZone });
        tracking.Track(HttpContext, "Signed In", new { method = "sms_code", newMember = !enrolment.AlreadyEnrolled }, enrolment.MemberId);
        TempData["Notice"] = enrolment.AlreadyEnrolled ? "Welcome back." : "Welcome to Allē!";
        return LocalRedirect(state.ReturnUrl ?? "/home");
    }

    public sealed class JoinInput : MemberDetailsInput
    {
        public string? TimeZone { get; set; } = TimeZones.Default;

        public bool MarketingConsent { get; set; }
    }
}
