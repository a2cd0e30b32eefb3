using Alle.Web.Authentication;
using Alle.Web.Services;
using Microsoft.AspNetCore.Authentication;
using Alle.Web.Services.Loyalty;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Alle.Web.Pages.Account;

public sealed class HomeModel(LoyaltyService loyalty, MemberTimeZone timeZone, TimeProvider clock) : PageModel
{
    public MemberRecord Member { get; private set; } = null!;

    public Balance Balance { get; private set; } = null!;

    /// <summary>Coupons she can still use: not redeemed, not expired.</summary>
    public IReadOnlyList<Coupon> Wallet { get; private set; } = [];

    /// <summary>Running offers she has no coupon for yet (flash offers come only with a check-in).</summary>
    public IReadOnlyList<Offer> Claimable { get; private set; } = [];

    public IReadOnlyList<LedgerEntry> Recent { get; private set; } = [];

    public TimeZoneInfo Zone { get; private set; } = TimeZoneInfo.Utc;

    /// <summary>Nothing has happened on her account yet: the page welcomes her with what to do first.</summary>
    public bool IsNew { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        try
        {
            await LoadAsync(cancellationToken);
        }
        catch (ServiceProblem problem) when (problem.Status == System.Net.HttpStatusCode.NotFound)
        {
            // Her account is gone (deleted from another device): this cookie speaks for nobody any more.
            await HttpContext.SignOutAsync(PortalAuthentication.Scheme);
            return LocalRedirect("/");
        }
        return Page();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var member = loyalty.GetMemberAsync(cancellationToken);
        var balance = loyalty.GetBalanceAsync(cancellationToken);
        var offers = loyalty.GetOffersAsync(cancellationToken);
        var coupons = loyalty.GetCouponsAsync(cancellationToken);
        var history = loyalty.GetHistoryAsync(5, cancellationToken);
        var zone = timeZone.GetAsync(cancellationToken);
        await Task.WhenAll(member, balance, offers, coupons, history, zone);
        Zone = zone.Result;

        Member = member.Result;
        Balance = balance.Result;
        Recent = history.Result;
        var now = clock.GetUtcNow();
        IsNew = Recent.Count == 0 && coupons.Result.Count == 0;
        Wallet = [.. coupons.Result.Where(c => c.RedeemedAt is null && c.ExpiresAt > now).OrderBy(c => c.ExpiresAt)];
        Claimable = [.. offers.Result.Where(o => o.Coupon is null && o.Offer.Kind == "standard").Select(o => o.Offer)];
    }

    public async Task<IActionResult> OnPostClaimAsync(Guid offerId, CancellationToken cancellationToken)
    {
        try
        {
            var coupon = await loyalty.ClaimCouponAsync(offerId, cancellationToken);
            TempData["Notice"] = $"Your coupon {coupon.Code} is in your wallet.";
        }
        catch (ServiceProblem problem) when ((int)problem.Status is 404 or 409)
        {
            TempData["Notice"] = $"This offer is not available: {problem.Describe()}";
        }
        return RedirectToPage();
    }
}
