namespace Alle.Web.Services.Loyalty;

public sealed record MemberRecord(
    string MemberId, string Status, string Phone, string? FirstName, string? LastName, string? Email, DateOnly? Birthday, string? Zip,
    bool TransactionalConsent, bool MarketingConsent, string Tier, DateTimeOffset CreatedAt, DateTimeOffset? EnrolledAt);

public sealed record TierInfo(string Key, string Name, int Threshold, IReadOnlyList<string> Benefits);

public sealed record NextTierInfo(string Key, string Name, int PointsNeeded);

public sealed record PendingPoints(int Points, DateTimeOffset AvailableAt);

public sealed record Balance(string MemberId, int Available, int Pending, decimal AvailableValue, int PointsEarned12Months,
    TierInfo Tier, NextTierInfo? NextTier, IReadOnlyList<PendingPoints> PendingSchedule)
{
    /// <summary>Progress towards the next tier, 0–100.</summary>
    public int ProgressPercent => NextTier is null ? 100
        : (int)Math.Clamp(Math.Round(100.0 * PointsEarned12Months / Math.Max(1, PointsEarned12Months + NextTier.PointsNeeded)), 0, 100);
}

public sealed record LedgerEntry(long EntryId, string Kind, int Points, DateTimeOffset AvailableAt, DateTimeOffset CreatedAt,
    string? PurchaseId, string? RedemptionId, string? ProviderId, string Description);

public sealed record LedgerHistory(IReadOnlyList<LedgerEntry> Entries);

public sealed record Offer(
    Guid OfferId, string Kind, string Title, string? Description, decimal Value, IReadOnlyList<string> Products, IReadOnlyList<string> ProviderIds,
    string Eligibility, string? AudienceKey, DateTimeOffset StartsAt, DateTimeOffset EndsAt, int CouponValidDays, bool Active);

/// <summary>An offer as the console lists it: with its coupons issued and redeemed, and its providers by name.</summary>
public sealed record OfferOverview(
    Guid OfferId, string Kind, string Title, string? Description, decimal Value, IReadOnlyList<string> Products, IReadOnlyList<string> ProviderIds,
    string Eligibility, string? AudienceKey, DateTimeOffset StartsAt, DateTimeOffset EndsAt, int CouponValidDays, bool Active,
    long CouponsIssued, long CouponsRedeemed, IReadOnlyList<ValidProvider> Providers);

public sealed record ValidProvider(string ProviderId, string Name, string? City, string? State);

/// <param name="ValidAt">Where a flash offer's coupon can be used; empty (or null) when any participating provider takes it.</param>
public sealed record Coupon(string Code, Guid OfferId, string MemberId, decimal Value, DateTimeOffset ExpiresAt, DateTimeOffset IssuedAt,
    DateTimeOffset? RedeemedAt, string? RedeemedProviderId, string? OfferTitle, string? Kind = null, string? OfferDescription = null,
    IReadOnlyList<ValidProvider>? ValidAt = null);

public sealed record MemberOffer(Offer Offer, Coupon? Coupon);

/// <param name="Coupon">The flash offer's coupon the check-in put in her wallet, if a flash offer ran there for her.</param>
public sealed record CheckInReceipt(string CheckInId, string ProviderId, string ProviderName, Guid? FlashOfferId, DateTimeOffset CheckedInAt, Coupon? Coupon);

public sealed record CheckInRecord(string CheckInId, string ProviderId, string ProviderName, Guid? FlashOfferId, DateTimeOffset CheckedInAt);

public sealed record Provider(string ProviderId, string Name, string Address, string City, string State, string Zip, string Phone,
    double Latitude, double Longitude, IReadOnlyList<string> Products, double? DistanceMiles);

/// <param name="Nearest">Nobody within the radius: these are the nearest providers, farther away.</param>
/// <param name="Approximate">The zip is not in the directory: distances are from its state's centre.</param>
public sealed record ProviderSearch(string Zip, string? City, string State, double RadiusMiles, IReadOnlyList<Provider> Providers, bool Nearest = false, bool Approximate = false);

/// <summary>Providers the directory found by name or zip (the console's picker).</summary>
public sealed record ProviderMatches(IReadOnlyList<Provider> Providers);

public sealed record EnrolmentRequest(
    string Phone, string FirstName, string LastName, string? Email, DateOnly? Birthday, string? Zip,
    bool MarketingConsent, bool TransactionalConsent, string ConsentWording, string Source);

public sealed record Enrolment(string MemberId, string Status, bool ClaimedPreRegistration, bool AlreadyEnrolled, string Token, string Tier);

public sealed record MemberDetails(string? FirstName, string? LastName, string? Email, DateOnly? Birthday, string? Zip);

public sealed record OfferDraft(
    string Title, string? Description, decimal Value, IReadOnlyList<string>? Products, IReadOnlyList<string>? ProviderIds, string? AudienceKey,
    DateTimeOffset? StartsAt, DateTimeOffset EndsAt, int? CouponValidDays);
