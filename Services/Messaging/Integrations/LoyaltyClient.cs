using System.Net;
using System.Text.Json;

namespace Alle.Messaging.Integrations;

internal sealed record IssuedCoupon(string Code, string OfferId, string MemberId, decimal Value, DateTimeOffset? ExpiresAt, DateTimeOffset? IssuedAt);

internal abstract record CouponResult
{
    public sealed record Issued(IssuedCoupon Coupon) : CouponResult;

    /// <summary>Loyalty refused (offer inactive, member not eligible, unknown offer): the send is skipped, not retried.</summary>
    public sealed record Refused(int Status, string? Reason) : CouponResult;
}

/// <summary>Loyalty's coupon API (<c>POST http://loyalty/api/loyalty/offers/{offerId}/coupons</c>, admin key), idempotent per member and offer.</summary>
internal sealed class LoyaltyClient(HttpClient http)
{
    /// <summary>Throws <see cref="HttpRequestException"/> when Loyalty cannot answer (retry later).</summary>
    public async Task<CouponResult> IssueCouponAsync(string offerId, string memberId, CancellationToken cancellationToken)
    {
        using var response = await http.SendWithinDeadlineAsync(new HttpRequestMessage(HttpMethod.Post, $"api/loyalty/offers/{Uri.EscapeDataString(offerId)}/coupons")
        {
            Content = JsonContent.Create(new { memberId }),
        }, "Loyalty", cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            var coupon = await response.Content.ReadFromJsonAsync<IssuedCoupon>(JsonSerializerOptions.Web, cancellationToken)
                ?? throw new HttpRequestException("Loyalty answered without a coupon.");
            return new CouponResult.Issued(coupon);
        }
        if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Conflict or HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity)
        {
            string? reason = null;
            try
            {
                var problem = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
                reason = problem.TryGetProperty("detail", out var detail) ? detail.GetString() : problem.TryGetProperty("title", out var title) ? title.GetString() : null;
            }
            catch (JsonException)
            {
            }
            return new CouponResult.Refused((int)response.StatusCode, reason);
        }
        throw new HttpRequestException($"Loyalty answered {(int)response.StatusCode}.", null, response.StatusCode);
    }
}
