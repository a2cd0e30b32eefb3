using System.Globalization;
using System.Net.Http.Json;

namespace Alle.Web.Services.Loyalty;

/// <summary>Loyalty with the admin key: enrolment after a verified code, look-up by phone, anonymous provider search, and the console's offers.</summary>
public sealed class LoyaltyAdminService(HttpClient http)
{
    public Task<Enrolment> EnrolAsync(EnrolmentRequest request, CancellationToken cancellationToken) =>
        http.PostAsJsonAsync("/api/loyalty/members", request, cancellationToken).ReadAsync<Enrolment>(cancellationToken);

    public Task<MemberRecord?> FindByPhoneAsync(string phone, CancellationToken cancellationToken) =>
        http.GetAsync($"/api/loyalty/members/lookup?phone={ServiceResponses.Escape(phone)}", cancellationToken).ReadOrNullAsync<MemberRecord>(cancellationToken);

    /// <summary>A member's points and tier (null when she is not a member); owners only, the service refuses other roles.</summary>
    public Task<Balance?> GetBalanceAsync(string memberId, CancellationToken cancellationToken) =>
        http.GetAsync($"/api/loyalty/members/{ServiceResponses.Escape(memberId)}/points", cancellationToken).ReadOrNullAsync<Balance>(cancellationToken);

    /// <summary>A member's coupons, used and unused; owners only.</summary>
    public Task<List<Coupon>?> GetCouponsAsync(string memberId, CancellationToken cancellationToken) =>
        http.GetAsync($"/api/loyalty/members/{ServiceResponses.Escape(memberId)}/coupons", cancellationToken).ReadOrNullAsync<List<Coupon>>(cancellationToken);

    /// <summary>A visitor's search (not signed in): Loyalty records nothing; the portal tracks it with her anonymous id.</summary>
    public Task<ProviderSearch?> SearchProvidersAsync(string zip, int radiusMiles, string? product, CancellationToken cancellationToken) =>
        http.GetAsync(SearchPath(zip, radiusMiles, product), cancellationToken).ReadOrNullAsync<ProviderSearch>(cancellationToken);

    public Task<List<Offer>> ListOffersAsync(CancellationToken cancellationToken) =>
        http.GetAsync("/api/loyalty/offers", cancellationToken).ReadAsync<List<Offer>>(cancellationToken);

    /// <summary>The same list with each offer's coupons issued and redeemed and its providers' names.</summary>
    public Task<List<OfferOverview>> ListOfferOverviewsAsync(CancellationToken cancellationToken) =>
        http.GetAsync("/api/loyalty/offers", cancellationToken).ReadAsync<List<OfferOverview>>(cancellationToken);

    /// <summary>The directory searched by part of a name, near a zip code, or both (the console's provider picker).</summary>
    public async Task<IReadOnlyList<Provider>> FindProvidersAsync(string? name, string? zip, CancellationToken cancellationToken)
    {
        var query = new List<string>();
        if (!string.IsNullOrWhiteSpace(name)) { query.Add($"name={ServiceResponses.Escape(name.Trim())}"); }
        if (!string.IsNullOrWhiteSpace(zip)) { query.Add($"zip={ServiceResponses.Escape(zip.Trim())}"); }
        return (await http.GetAsync($"/api/loyalty/providers/search?{string.Join('&', query)}", cancellationToken).ReadAsync<ProviderMatches>(cancellationToken)).Providers;
    }

    public Task<Provider?> GetProviderAsync(string providerId, CancellationToken cancellationToken) =>
        http.GetAsync($"/api/loyalty/providers/{ServiceResponses.Escape(providerId)}", cancellationToken).ReadOrNullAsync<Provider>(cancellationToken);

    public Task<Offer> CreateOfferAsync(bool flash, OfferDraft draft, CancellationToken cancellationToken) =>
        http.PostAsJsonAsync(flash ? "/api/loyalty/flash-offers" : "/api/loyalty/offers", draft, cancellationToken).ReadAsync<Offer>(cancellationToken);

    public Task DeactivateOfferAsync(Guid offerId, CancellationToken cancellationToken) =>
        http.PostAsync($"/api/loyalty/offers/{offerId}/deactivate", null, cancellationToken).SucceedAsync(cancellationToken);

    public static string SearchPath(string zip, int radiusMiles, string? product) =>
        $"/api/loyalty/providers/search?zip={ServiceResponses.Escape(zip)}&radiusMiles={radiusMiles.ToString(CultureInfo.InvariantCulture)}"
        + (string.IsNullOrWhiteSpace(product) ? "" : $"&product={ServiceResponses.Escape(product)}");
}
