using System.Net.Http.Json;
using Alle.Web.Authentication;

namespace Alle.Web.Services.Loyalty;

/// <summary>Loyalty for the signed-in member, with her member token: every route names her own id, from the cookie.</summary>
public sealed class LoyaltyService(HttpClient http, MemberSession session)
{
    private string Member => $"/api/loyalty/members/{ServiceResponses.Escape(session.RequireMemberId())}";

    public Task<MemberRecord> GetMemberAsync(CancellationToken cancellationToken) =>
        http.GetAsync(Member, cancellationToken).ReadAsync<MemberRecord>(cancellationToken);

    public Task<MemberRecord> UpdateDetailsAsync(MemberDetails details, CancellationToken cancellationToken) =>
        http.PatchAsJsonAsync(Member, details, cancellationToken).ReadAsync<MemberRecord>(cancellationToken);

    public Task<Balance> GetBalanceAsync(CancellationToken cancellationToken) =>
        http.GetAsync($"{Member}/points", cancellationToken).ReadAsync<Balance>(cancellationToken);

    public async Task<IReadOnlyList<LedgerEntry>> GetHistoryAsync(int limit, CancellationToken cancellationToken) =>
        (await http.GetAsync($"{Member}/points/history?limit={limit}", cancellationToken).ReadAsync<LedgerHistory>(cancellationToken)).Entries;

    public Task<List<MemberOffer>> GetOffersAsync(CancellationToken cancellationToken) =>
        http.GetAsync($"{Member}/offers", cancellationToken).ReadAsync<List<MemberOffer>>(cancellationToken);

    public Task<List<Coupon>> GetCouponsAsync(CancellationToken cancellationToken) =>
        http.GetAsync($"{Member}/coupons", cancellationToken).ReadAsync<List<Coupon>>(cancellationToken);

    public Task<Coupon> ClaimCouponAsync(Guid offerId, CancellationToken cancellationToken) =>
        http.PostAsync($"{Member}/offers/{offerId}/coupon", null, cancellationToken).ReadAsync<Coupon>(cancellationToken);

    public Task<CheckInReceipt> CheckInAsync(string providerId, CancellationToken cancellationToken) =>
        http.PostAsJsonAsync($"{Member}/check-ins", new { providerId }, cancellationToken).ReadAsync<CheckInReceipt>(cancellationToken);

    public Task<List<CheckInRecord>> GetCheckInsAsync(int limit, CancellationToken cancellationToken) =>
        http.GetAsync($"{Member}/check-ins?limit={limit}", cancellationToken).ReadAsync<List<CheckInRecord>>(cancellationToken);

    /// <summary>Everything Loyalty holds about her (her access request).</summary>
    public Task<System.Text.Json.JsonElement> ExportAsync(CancellationToken cancellationToken) =>
        http.GetAsync($"{Member}/export", cancellationToken).ReadAsync<System.Text.Json.JsonElement>(cancellationToken);

    /// <summary>A member's search: Loyalty records <c>Provider Searched</c> for her.</summary>
    public Task<ProviderSearch?> SearchProvidersAsync(string zip, int radiusMiles, string? product, CancellationToken cancellationToken) =>
        http.GetAsync(LoyaltyAdminService.SearchPath(zip, radiusMiles, product), cancellationToken).ReadOrNullAsync<ProviderSearch>(cancellationToken);

    public Task<Provider?> GetProviderAsync(string providerId, CancellationToken cancellationToken) =>
        http.GetAsync($"/api/loyalty/providers/{ServiceResponses.Escape(providerId)}", cancellationToken).ReadOrNullAsync<Provider>(cancellationToken);
}
