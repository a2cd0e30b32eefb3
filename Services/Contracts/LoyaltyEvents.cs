namespace Alle.Contracts;

/// <summary>A unique coupon for an offer was issued to a member.</summary>
public sealed record CouponIssued(Guid OfferId, string MemberId, string CouponCode, decimal Value, DateTimeOffset ExpiresAt, DateTimeOffset IssuedAt);

/// <summary>A member redeemed a coupon at a provider.</summary>
public sealed record OfferRedeemed(Guid OfferId, string MemberId, string CouponCode, string ProviderId, DateTimeOffset RedeemedAt);

/// <summary>
/// A member joined (or claimed a provider-created record). Carries the consent she gave at join, with the exact
/// wording shown, so messaging can record it with its evidence.
/// </summary>
public sealed record MemberEnrolled(
    string MemberId,
    string Phone,
    bool TransactionalConsent,
    bool MarketingConsent,
    string ConsentWording,
    string Source,
    DateTimeOffset EnrolledAt);
