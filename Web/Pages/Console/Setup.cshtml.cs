using Alle.Web.Authentication;
using Alle.Web.Extensions;
using Alle.Web.Operators;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;

namespace Alle.Web.Pages.Console;

/// <summary>
/// The first owner, created with the admin key while no operator exists and bootstrap is on
/// (<c>Console:Bootstrap</c>, turned off once the team is set up). Otherwise the page does not exist.
/// </summary>
[EnableRateLimiting(ApplicationServiceExtensions.SignInRateLimit)]
public sealed class SetupModel(OperatorAccounts accounts, OperatorStore store) : PageModel
{
    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken) =>
        await AvailableAsync(cancellationToken) ? Page() : NotFound();

    public async Task<IActionResult> OnPostAsync(string? adminKey, string? email, string? password, CancellationToken cancellationToken)
    {
        if (!await AvailableAsync(cancellationToken))
        {
            return NotFound();
        }
        if (!OperatorEmail.IsValid(email))
        {
            ModelState.AddModelError("email", "Enter an e-mail address such as name@example.com.");
        }
        if (PasswordRules.Problem(password) is { } problem)
        {
            ModelState.AddModelError("password", problem);
        }
        if (!ModelState.IsValid)
        {
            return Page();
        }
        var owner = await accounts.BootstrapOwnerAsync(adminKey ?? "", email!, password!, cancellationToken);
        if (owner is null)
        {
            ModelState.AddModelError(string.Empty, "That admin key is not right.");
            return Page();
        }
        await HttpContext.SignInOperatorAsync(owner);
        TempData["Notice"] = $"Owner account {owner.Email} created. Invite your team under Team.";
        return LocalRedirect("/console/team/operators");
    }

    private async Task<bool> AvailableAsync(CancellationToken cancellationToken) => accounts.BootstrapEnabled && !await store.AnyAsync(cancellationToken);
}
