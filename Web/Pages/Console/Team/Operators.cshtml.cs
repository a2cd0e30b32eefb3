using Alle.Platform.Authorization;
using Alle.Web.Authentication;
using Alle.Web.Operators;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Alle.Web.Pages.Console.Team;

/// <summary>Owners add operators with a role and a first password, change roles, disable accounts and reset a second factor.</summary>
public sealed class OperatorsModel(OperatorStore store, OperatorAccounts accounts, SecondFactor secondFactor, TimeProvider clock) : PageModel
{
    public IReadOnlyList<OperatorAccount> Operators { get; private set; } = [];

    public DateTimeOffset Now => clock.GetUtcNow();

    public async Task OnGetAsync(CancellationToken cancellationToken) => Operators = await store.ListAsync(cancellationToken);

    public async Task<IActionResult> OnPostCreateAsync(string? email, string? role, string? password, CancellationToken cancellationToken)
    {
        if (!OperatorEmail.IsValid(email))
        {
            ModelState.AddModelError("email", "Enter an e-mail address such as name@example.com.");
        }
        if (role is null || !OperatorRoles.IsKnown(role))
        {
            ModelState.AddModelError("role", "Choose a role.");
        }
        if (PasswordRules.Problem(password) is { } problem)
        {
            ModelState.AddModelError("password", problem);
        }
        if (ModelState.IsValid)
        {
            if (await accounts.CreateAsync(User.ConsoleActor()!, email!, role!, password!, cancellationToken) is { } created)
            {
                TempData["Notice"] = $"{created.Email} can now sign in as {created.Role}.";
                return RedirectToPage();
            }
            ModelState.AddModelError("email", "An operator with this e-mail exists.");
        }
        await OnGetAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostUpdateAsync(Guid id, string? role, bool? disabled, CancellationToken cancellationToken)
    {
        if (role is not null && !OperatorRoles.IsKnown(role))
        {
            return BadRequest();
        }
        TempData["Notice"] = await accounts.UpdateAsync(User.ConsoleActor()!, id, role, disabled, cancellationToken) ?? "Saved.";
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostResetSecondFactorAsync(Guid id, CancellationToken cancellationToken)
    {
        TempData["Notice"] = await secondFactor.ResetAsync(User.ConsoleActor()!, id, cancellationToken)
            ? "Second factor reset: their sign-in asks only for the password until they prove a phone again."
            : "There is no such operator.";
        return RedirectToPage();
    }
}
