namespace Alle.Loyalty.Offers;

internal enum OfferKind { Standard, Flash }

/// <summary>
/// An offer: a value off a treatment, valid in a window, for everyone or for one audience, redeemable at any provider
/// or (flash offers) at the providers it names.
/// </summary>
internal sealed record Offer(
    Guid OfferId,
    OfferKind Kind,
    string Title,
    string? Description,
    decimal Value,
    IReadOnlyList<string> Products,
    IReadOnlyList<string> ProviderIds,
    string? AudienceKey,
    DateTimeOffset StartsAt,
    DateTimeOffset EndsAt,
    int CouponValidDays,
    bool Active,
    DateTimeOffset CreatedAt)
{
    public bool IsRunning(DateTimeOffset now) => Active && now >= StartsAt && now < EndsAt;

    /// <summary>Whether a member in <paramref name="memberAudiences"/> may receive this offer now.</summary>
    public OfferEligibility EligibilityFor(IReadOnlySet<string> memberAudiences, DateTimeOffset now) =>
        !Active ? OfferEligibility.Inactive
        : now < StartsAt ? OfferEligibility.NotStarted
        : now >= EndsAt ? OfferEligibility.Ended
        : AudienceKey is not null && !memberAudiences.Contains(AudienceKey) ? OfferEligibility.NotInAudience
        : OfferEligibility.Eligible;

    /// <summary>A coupon lasts its validity period, and never past the offer's end.</summary>
    public DateTimeOffset CouponExpiry(DateTimeOffset issuedAt)
    {
        var expiry = issuedAt.AddDays(CouponValidDays);
        return expiry < EndsAt ? expiry : EndsAt;
    }

    public bool RedeemableAt(string providerId) => ProviderIds.Count == 0 || ProviderIds.Contains(providerId, StringComparer.Ordinal);
}

internal enum OfferEligibility { Eligible, Inactive, NotStarted, Ended, NotInAudience }
