using Alle.Web.Services.Loyalty;

namespace Alle.Web.Pages.Shared;

/// <summary>A coupon as the member and the desk read it: its offer's title and value, where it is valid, and its expiry on her clock.</summary>
public sealed record CouponCard(Coupon Coupon, TimeZoneInfo Zone);
