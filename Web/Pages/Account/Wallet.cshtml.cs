using Alle.Web.Authentication;
using Alle.Web.Services.Loyalty;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Alle.Web.Pages.Account;

/// <summary>One coupon, full screen for the desk. The code in the URL is only looked for among the signed-in member's own coupons.</summary>
public sealed class WalletModel(LoyaltyService loyalty, MemberTimeZone timeZone, TimeProvider clock) : PageModel
{
    public Coupon Coupon { get; private set; } = null!;

    public TimeZoneInfo Zone { get; private set; } = TimeZoneInfo.Utc;

    public DateTimeOffset Now => clock.GetUtcNow();

    public async Task<IActionResult> OnGetAsync(string code, CancellationToken cancellationToken)
    {
        var normalized = code.Trim().ToUpperInvariant();
        if ((await loyalty.GetCouponsAsync(cancellationToken)).FirstOrDefault(c => string.Equals(c.Code, normalized, StringComparison.Ordinal)) is not { } coupon)
        {
            return NotFound();
        }
        Coupon = coupon;
        Zone = await timeZone.GetAsync(cancellationToken);
        return Page();
    }
}
