using Alle.Web.Authentication;
using Alle.Web.Extensions;
using Alle.Web.Operators;
using Alle.Web.Services.Messaging;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;

namespace Alle.Web.Pages.Console;

/// <summary>
/// The second step of an operator's sign-in when her second factor is on: the code texted to her phone (shown masked).
/// Only reachable with the encrypted challenge her right password left (ten minutes); wrong codes count towards the
/// password's lockout.
/// </summary>
[AllowAnonymous]
[EnableRateLimiting(ApplicationServiceExtensions.SignInRateLimit)]
public sealed class SignInCodeModel(SecondFactor secondFactor, OperatorStore store, ProtectedCookie<CodeChallenge> challenges) : PageModel
{
    [BindProperty]
    public string? Code { get; set; }

    public string MaskedPhone { get; private set; } = "";

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken) =>
        await ChallengedAccountAsync(cancellationToken) is null ? StartAgain() : Page();

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (challenges.Read(HttpContext) is not { } challenge || await ChallengedAccountAsync(cancellationToken) is null)
        {
            return StartAgain();
        }
        if (CodeChecks.Read(Code) is not { } code)
        {
            ModelState.AddModelError(nameof(Code), "The code is the 6 digits from the text message.");
            return Page();
        }
        var result = await secondFactor.SignInAsync(challenge.OperatorId, code, cancellationToken);
        switch (result.Outcome)
        {
            case CodeOutcome.SignedIn:
                challenges.Clear(HttpContext);
                await HttpContext.SignInOperatorAsync(result.Account!);
                return LocalRedirect(SignInModel.SafeReturnUrl(challenge.ReturnUrl));
            case CodeOutcome.Locked:
                challenges.Clear(HttpContext);
                TempData["Notice"] = $"Too many wrong passwords or codes: this account is locked until {result.LockedUntil:HH:mm} UTC.";
                return RedirectToPage("SignIn");
            case CodeOutcome.Refused:
                return StartAgain();
            default:
                ModelState.AddModelError(nameof(Code), CodeChecks.Explain(result.Outcome));
                return Page();
        }
    }

    public async Task<IActionResult> OnPostResendAsync(CancellationToken cancellationToken)
    {
        if (challenges.Read(HttpContext) is not { } challenge || await ChallengedAccountAsync(cancellationToken) is not { } account)
        {
            return StartAgain();
        }
        switch (await secondFactor.SendCodeAsync(account.Phone!, cancellationToken))
        {
            case CodeRequest.Sent sent:
                challenges.Save(HttpContext, challenge with { VerificationId = sent.VerificationId });
                TempData["Notice"] = $"We sent a new code to {MaskedPhone}.";
                break;
            case CodeRequest.Stopped:
                TempData["Notice"] = "Texts to your phone are stopped, so no code can reach it. Text START to the program's number, or ask an owner to reset your second factor.";
                break;
            default:
                TempData["Notice"] = "Too many codes were sent to your phone in the last hour. Try again later.";
                break;
        }
        return RedirectToPage();
    }

    /// <summary>The account whose password was right, while it may still sign in with a code.</summary>
    private async Task<OperatorAccount?> ChallengedAccountAsync(CancellationToken cancellationToken)
    {
        if (challenges.Read(HttpContext) is not { } challenge
            || await store.FindAsync(challenge.OperatorId, cancellationToken) is not { DisabledAt: null, NeedsCode: true } account)
        {
            return null;
        }
        MaskedPhone = OperatorPhone.Masked(account.Phone);
        return account;
    }

    private IActionResult StartAgain()
    {
        challenges.Clear(HttpContext);
        TempData["Notice"] = "Sign in with your e-mail and password first (a code is asked for at most ten minutes after).";
        return RedirectToPage("SignIn");
    }
}
