using Alle.Web.Services;
using Alle.Web.Services.Loyalty;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Alle.Web.Pages.Console;

public sealed class OffersModel(LoyaltyAdminService loyalty, TimeProvider clock) : PageModel
{
    [BindProperty]
    public OfferInput Input { get; set; } = new();

    public IReadOnlyList<Offer> Offers { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        Offers = [.. (await loyalty.ListOffersAsync(cancellationToken)).OrderByDescending(o => o.Active).ThenByDescending(o => o.StartsAt)];

    public async Task<IActionResult> OnPostCreateAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        try
        {
            var offer = await loyalty.CreateOfferAsync(Input.Flash, new OfferDraft(Input.Title?.Trim() ?? "", string.IsNullOrWhiteSpace(Input.Description) ? null : Input.Description.Trim(),
                Input.Value ?? 0, null, Split(Input.ProviderIds), string.IsNullOrWhiteSpace(Input.AudienceKey) ? null : Input.AudienceKey.Trim(),
                now, now.AddDays(Math.Max(1, Input.Days)), Input.CouponValidDays), cancellationToken);
            TempData["Notice"] = $"Offer \"{offer.Title}\" created ({offer.OfferId}).";
            return RedirectToPage();
        }
        catch (ServiceProblem problem) when (problem.Status == System.Net.HttpStatusCode.BadRequest)
        {
            ModelState.AddModelError(string.Empty, problem.Describe());
        }
        await OnGetAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostDeactivateAsync(Guid offerId, CancellationToken cancellationToken)
    {
        await loyalty.DeactivateOfferAsync(offerId, cancellationToken);
        return RedirectToPage();
    }

    private static List<string>? Split(string? list) =>
        string.IsNullOrWhiteSpace(list) ? null : [.. list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    public sealed class OfferInput
    {
        public bool Flash { get; set; }

        public string? Title { get; set; }

        public string? Description { get; set; }

        public decimal? Value { get; set; }

        public int Days { get; set; } = 30;

        public int? CouponValidDays { get; set; }

        public string? AudienceKey { get; set; }

        public string? ProviderIds { get; set; }
    }
}
