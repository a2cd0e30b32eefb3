using Alle.Web.Authentication;
using Alle.Web.Extensions;
using Alle.Web.Operators;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;

namespace Alle.Web.Pages.Console;

/// <summary>
/// Operators sign in with e-mail and password (locked for 15 minutes after 5 wrong ones), then, when their second factor
/// is on, with a code texted to their phone (<see cref="SignInCodeModel"/>); while bootstrap is on, the admin key signs
/// in as the owner of everything (development, first setup). The console's cookie is its own.
/// </summary>
[EnableRateLimiting(ApplicationServiceExtensions.SignInRateLimit)]
public sealed class SignInModel(OperatorAccounts accounts, OperatorStore store, SecondFactor secondFactor, ProtectedCookie<CodeChallenge> challenges,
    ILogger<SignInModel> logger) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public bool AdminKeyAccepted => accounts.BootstrapEnabled;

    public bool NoOperatorYet { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        NoOperatorYet = accounts.BootstrapEnabled && !await store.AnyAsync(cancellationToken);

    public async Task<IActionResult> OnPostAsync(string? email, string? password, string? adminKey, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(adminKey))
        {
            if (await accounts.SignInWithAdminKeyAsync(adminKey, cancellationToken))
            {
                await HttpContext.SignInWithAdminKeyAsync();
                return Continue();
            }
            logger.LogWarning("Console sign-in refused: wrong admin key");
            ModelState.AddModelError(string.Empty, "That key is not right.");
            return Page();
        }
        if (string.IsNullOrWhiteSpace(email) || string.IsNullOrEmpty(password))
        {
            ModelState.AddModelError(string.Empty, "Enter your e-mail address and password.");
            return Page();
        }
        var result = await accounts.SignInAsync(email, password, cancellationToken);
        switch (result.Outcome)
        {
            case SignInOutcome.SignedIn:
                await HttpContext.SignInOperatorAsync(result.Account!);
                return Continue();
            case SignInOutcome.CodeRequired:
                return await SendCodeAsync(result.Account!, cancellationToken);
            case SignInOutcome.Locked:
                ModelState.AddModelError(string.Empty, $"Too many wrong passwords: this account is locked until {result.LockedUntil:HH:mm} UTC.");
                return Page();
            default:
                ModelState.AddModelError(string.Empty, "That e-mail address and password do not match an operator.");
                return Page();
        }
    }

    private async Task<IActionResult> SendCodeAsync(OperatorAccount account, CancellationToken cancellationToken)
    {
        switch (await secondFactor.SendCodeAsync(account.Phone!, cancellationToken))
        {
            case Services.Messaging.CodeRequest.Sent sent:
                challenges.Save(HttpContext, new CodeChallenge(account.Id, SafeReturnUrl(ReturnUrl), sent.VerificationId));
                return RedirectToPage("SignInCode");
            case Services.Messaging.CodeRequest.Stopped:
                ModelState.AddModelError(string.Empty,
                    $"Texts to your phone {OperatorPhone.Masked(account.Phone)} are stopped, so no code can reach it. Text START to the program's number, or ask an owner to reset your second factor.");
                return Page();
            default:
                ModelState.AddModelError(string.Empty, "Too many codes were sent to your phone in the last hour. Try again later.");
                return Page();
        }
    }

    private IActionResult Continue() => LocalRedirect(SafeReturnUrl(ReturnUrl));

    /// <summary>Only a console page: never another site, never the portal.</summary>
    public static string SafeReturnUrl(string? url) =>
        url is not null && url.StartsWith("/console", StringComparison.Ordinal) && !url.StartsWith("//", StringComparison.Ordinal) ? url : "/console";
}
