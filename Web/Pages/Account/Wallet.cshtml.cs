using Alle.Web.Services.Loyalty;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Alle.Web.Pages.Account;

/// <summary>One coupon, full screen for the desk. The code in the URL is only looked for among the signed-in member's own coupons.</summary>
public sealed class WalletModel(LoyaltyService loyalty) : PageModel
{
    public Coupon Coupon { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(string code, CancellationToken cancellationToken)
    {
        var normalized = code.Trim().ToUpperInvariant();
        if ((await loyalty.GetCouponsAsync(cancellationToken)).FirstOrDefault(c => string.Equals(c.Code, normalized, StringComparison.Ordinal)) is not { } coupon)
        {
            return NotFound();
        }
        Coupon = coupon;
        return Page();
    }
}
