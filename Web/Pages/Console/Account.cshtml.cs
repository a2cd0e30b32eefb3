using Alle.Platform.Identifiers;
using Alle.Web.Authentication;
using Alle.Web.Operators;
using Alle.Web.Services.Messaging;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Alle.Web.Pages.Console;

/// <summary>
/// The signed-in operator's own account: her phone, proven with a code texted to it, and her second factor (a code
/// texted to that phone at each sign-in) turned on or off. The phone is shown masked, to her as to everyone.
/// </summary>
public sealed class AccountModel(OperatorStore store, SecondFactor secondFactor, ProtectedCookie<PhoneProof> proofs, PhoneNumberNormalizer phones)
    : PageModel
{
    [BindProperty]
    public string? Phone { get; set; }

    [BindProperty]
    public string? Code { get; set; }

    public OperatorAccount? Account { get; private set; }

    /// <summary>The phone she is proving, masked, while its code is awaited.</summary>
    public string? ProvingPhone { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostSendCodeAsync(CancellationToken cancellationToken)
    {
        if (await LoadAsync(cancellationToken) is not { } account)
        {
            return Page();
        }
        if (phones.ToE164(Phone) is not { } phone)
        {
            ModelState.AddModelError(nameof(Phone), "Enter a mobile number, such as (212) 555-0142 or +44 7700 900142.");
            return Page();
        }
        switch (await secondFactor.SendCodeAsync(phone, cancellationToken))
        {
            case CodeRequest.Sent:
                proofs.Save(HttpContext, new PhoneProof(account.Id, phone));
                TempData["Notice"] = $"We texted a code to {OperatorPhone.Masked(phone)}.";
                return RedirectToPage();
            case CodeRequest.Stopped:
                ModelState.AddModelError(nameof(Phone), "Texts to this number are stopped (it answered STOP). Text START to the program's number first.");
                return Page();
            default:
                ModelState.AddModelError(nameof(Phone), "Too many codes were sent to this number in the last hour. Try again later.");
                return Page();
        }
    }

    public async Task<IActionResult> OnPostProvePhoneAsync(CancellationToken cancellationToken)
    {
        if (await LoadAsync(cancellationToken) is not { } account || proofs.Read(HttpContext) is not { } proof || proof.OperatorId != account.Id)
        {
            TempData["Notice"] = "That took too long: send a new code.";
            return RedirectToPage();
        }
        if (CodeChecks.Read(Code) is not { } code)
        {
            ModelState.AddModelError(nameof(Code), "The code is the 6 digits from the text message.");
            return Page();
        }
        if (await secondFactor.ProvePhoneAsync(User.ConsoleActor()!, account.Id, proof.Phone, code, cancellationToken) is { } problem)
        {
            ModelState.AddModelError(nameof(Code), problem);
            return Page();
        }
        proofs.Clear(HttpContext);
        TempData["Notice"] = account.SecondFactor
            ? $"Your phone is now {OperatorPhone.Masked(proof.Phone)}: sign-in codes go to it."
            : $"Your phone {OperatorPhone.Masked(proof.Phone)} is proven. You can turn on the second factor now.";
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostSecondFactorAsync(bool on, CancellationToken cancellationToken)
    {
        if (await LoadAsync(cancellationToken) is not { } account)
        {
            return Page();
        }
        TempData["Notice"] = await secondFactor.SetAsync(User.ConsoleActor()!, account.Id, on, cancellationToken)
            ? on ? $"Second factor on: each sign-in now asks for a code texted to {OperatorPhone.Masked(account.Phone)}." : "Second factor off: your password alone signs you in."
            : "Prove a phone first.";
        return RedirectToPage();
    }

    private async Task<OperatorAccount?> LoadAsync(CancellationToken cancellationToken)
    {
        Account = Guid.TryParse(User.ConsoleActor()?.Id, out var id) ? await store.FindAsync(id, cancellationToken) : null;
        if (Account is not null && proofs.Read(HttpContext) is { } proof && proof.OperatorId == Account.Id)
        {
            ProvingPhone = OperatorPhone.Masked(proof.Phone);
        }
        return Account;
    }
}
