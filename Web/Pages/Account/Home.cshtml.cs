using Alle.Web.Authentication;
using Alle.Web.Services;
using Microsoft.AspNetCore.Authentication;
using Alle.Web.Services.Loyalty;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Alle.Web.Pages.Account;

public sealed class HomeModel(LoyaltyService loyalty, TimeProvider clock) : PageModel
{
    public MemberRecord Member { get; private set; } = null!;

    public Balance Balance { get; private set; } = null!;

    /// <summary>Coupons she can still use: not redeemed, not expired.</summary>
    public IReadOnlyList<Coupon> Wallet { get; private set; } = [];

    /// <summary>Running offers she has no coupon for yet (flash offers come only with a check-in).</summary>
    public IReadOnlyList<Offer> Claimable { get; private set; } = [];

    public IReadOnlyList<LedgerEntry> Recent { get; private set; } = [];

    private Dictionary<Guid, string> _titles = [];

    public string TitleOf(Guid offerId) => _titles.GetValueOrDefault(offerId, "Reward");

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
        await Task.WhenAll(member, balance, offers, coupons, history);

        Member = member.Result;
        Balance = balance.Result;
        Recent = history.Result;
        var now = clock.GetUtcNow();
        _titles = offers.Result.ToDictionary(o => o.Offer.OfferId, o => o.Offer.Title);
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
