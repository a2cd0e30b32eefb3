using Alle.Web.Services.Loyalty;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Alle.Web.Pages.Account;

public sealed class HistoryModel(LoyaltyService loyalty) : PageModel
{
    public IReadOnlyList<LedgerEntry> Ledger { get; private set; } = [];

    public IReadOnlyList<LedgerEntry> Purchases { get; private set; } = [];

    public IReadOnlyList<Coupon> Used { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var ledger = loyalty.GetHistoryAsync(200, cancellationToken);
        var coupons = loyalty.GetCouponsAsync(cancellationToken);
        await Task.WhenAll(ledger, coupons);
        Ledger = ledger.Result;
        Purchases = [.. Ledger.Where(e => e.Kind == "earn" && e.PurchaseId is not null)];
        Used = [.. coupons.Result.Where(c => c.RedeemedAt is not null).OrderByDescending(c => c.RedeemedAt)];
    }
}
