using Alle.Platform.Authorization;
using Alle.Web.Authentication;
using Alle.Web.Services;
using Alle.Web.Services.Loyalty;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Alle.Web.Pages.Console;

/// <summary>
/// Offers and flash offers with their coupons issued and redeemed; creating one picks its providers from the directory
/// (by name or zip, server-rendered: "Find providers" posts the form back with the matches as checkboxes, nothing is lost).
/// </summary>
public sealed class OffersModel(LoyaltyAdminService loyalty, TimeProvider clock) : PageModel
{
    private const int MaxProviders = 50;

    [BindProperty]
    public OfferInput Input { get; set; } = new();

    public IReadOnlyList<OfferOverview> Offers { get; private set; } = [];

    /// <summary>The providers ticked so far, by name.</summary>
    public IReadOnlyList<Provider> Chosen { get; private set; } = [];

    /// <summary>What the last directory search found (those not already chosen); null before any search.</summary>
    public IReadOnlyList<Provider>? Found { get; private set; }

    public bool MayCreate => User.ConsoleMay(Permissions.OffersWrite);

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        Offers = [.. (await loyalty.ListOfferOverviewsAsync(cancellationToken)).OrderByDescending(o => o.Active).ThenByDescending(o => o.StartsAt)];

    public async Task<IActionResult> OnPostFindProvidersAsync(CancellationToken cancellationToken)
    {
        ModelState.Clear();
        if (string.IsNullOrWhiteSpace(Input.ProviderName) && string.IsNullOrWhiteSpace(Input.ProviderZip))
        {
            ModelState.AddModelError("Input.ProviderName", "Type part of a provider's name, a zip code, or both.");
        }
        else
        {
            try
            {
                var chosen = ChosenIds().ToHashSet(StringComparer.Ordinal);
                Found = [.. (await loyalty.FindProvidersAsync(Input.ProviderName, Input.ProviderZip, cancellationToken)).Where(p => !chosen.Contains(p.ProviderId))];
            }
            catch (ServiceProblem problem) when (problem.Status is System.Net.HttpStatusCode.BadRequest or System.Net.HttpStatusCode.NotFound)
            {
                ModelState.AddModelError("Input.ProviderZip", problem.Describe());
            }
        }
        return await ShowAgainAsync(cancellationToken);
    }

    public async Task<IActionResult> OnPostCreateAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        try
        {
            var offer = await loyalty.CreateOfferAsync(Input.Flash, new OfferDraft(Input.Title?.Trim() ?? "", string.IsNullOrWhiteSpace(Input.Description) ? null : Input.Description.Trim(),
                Input.Value ?? 0, null, ChosenIds() is { Count: > 0 } ids ? ids : null, string.IsNullOrWhiteSpace(Input.AudienceKey) ? null : Input.AudienceKey.Trim(),
                now, now.AddDays(Math.Max(1, Input.Days)), Input.CouponValidDays), cancellationToken);
            TempData["Notice"] = $"Offer \"{offer.Title}\" created ({offer.OfferId}).";
            return RedirectToPage();
        }
        catch (ServiceProblem problem) when (problem.Status == System.Net.HttpStatusCode.BadRequest)
        {
            ModelState.AddModelError(string.Empty, problem.Describe());
        }
        return await ShowAgainAsync(cancellationToken);
    }

    public async Task<IActionResult> OnPostDeactivateAsync(Guid offerId, CancellationToken cancellationToken)
    {
        await loyalty.DeactivateOfferAsync(offerId, cancellationToken);
        return RedirectToPage();
    }

    private async Task<IActionResult> ShowAgainAsync(CancellationToken cancellationToken)
    {
        var chosen = await Task.WhenAll(ChosenIds().Select(id => loyalty.GetProviderAsync(id, cancellationToken)));
        Chosen = [.. chosen.OfType<Provider>()];
        await OnGetAsync(cancellationToken);
        return Page();
    }

    private List<string> ChosenIds() => [.. Input.ProviderIds.Where(id => !string.IsNullOrWhiteSpace(id)).Select(id => id.Trim()).Distinct(StringComparer.Ordinal).Take(MaxProviders)];

    public sealed class OfferInput
    {
        public bool Flash { get; set; }

        public string? Title { get; set; }

        public string? Description { get; set; }

        public decimal? Value { get; set; }

        public int Days { get; set; } = 30;

        public int? CouponValidDays { get; set; }

        public string? AudienceKey { get; set; }

        public List<string> ProviderIds { get; set; } = [];

        /// <summary>Part of a provider's name to look for in the directory.</summary>
        public string? ProviderName { get; set; }

        public string? ProviderZip { get; set; }
    }
}
