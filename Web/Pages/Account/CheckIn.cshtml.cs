using System.Text.Json;
using Alle.Web.Services;
using Alle.Web.Services.Loyalty;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Alle.Web.Pages.Account;

/// <summary>Flash Rewards: the member says where she is; Loyalty records the check-in (and its event), and a flash offer, if any, reaches her through a journey.</summary>
public sealed class CheckInModel(LoyaltyService loyalty) : PageModel
{
    private const string ReceiptKey = "CheckInReceipt";

    [BindProperty(SupportsGet = true)]
    public string? Zip { get; set; }

    public IReadOnlyList<Provider> Nearby { get; private set; } = [];

    public CheckInReceipt? Receipt { get; private set; }

    public string? Error { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        if (TempData[ReceiptKey] is string receipt)
        {
            Receipt = JsonSerializer.Deserialize<CheckInReceipt>(receipt);
        }
        Zip ??= (await loyalty.GetMemberAsync(cancellationToken)).Zip;
        if (string.IsNullOrWhiteSpace(Zip))
        {
            return;
        }
        try
        {
            var found = await loyalty.SearchProvidersAsync(Zip.Trim(), 25, null, cancellationToken);
            Nearby = found?.Providers ?? [];
            Error = found is null ? $"We have no providers listed around {Zip} yet." : null;
        }
        catch (ServiceProblem problem) when (problem.Status == System.Net.HttpStatusCode.BadRequest)
        {
            Error = problem.Describe();
        }
    }

    public async Task<IActionResult> OnPostAsync(string? providerId, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(providerId))
        {
            return RedirectToPage();
        }
        try
        {
            var receipt = await loyalty.CheckInAsync(providerId, cancellationToken);
            TempData[ReceiptKey] = JsonSerializer.Serialize(receipt);
        }
        catch (ServiceProblem problem) when (problem.Status == System.Net.HttpStatusCode.NotFound)
        {
            TempData["Notice"] = "We could not find that provider.";
        }
        return RedirectToPage();
    }
}
