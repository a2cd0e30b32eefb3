using System.Text.Json;
using Alle.Loyalty.CheckIns;
using Alle.Loyalty.Members;
using Alle.Loyalty.Offers;
using Alle.Loyalty.Points;
using Alle.Loyalty.Storage;

namespace Alle.Loyalty.Privacy;

internal sealed record ExportedPurchase(string PurchaseId, string ProviderId, decimal Amount, JsonElement Treatments, JsonElement Earning,
    DateTimeOffset PurchasedAt, DateTimeOffset RecordedAt, DateTimeOffset? RefundedAt);

internal sealed record ExportedTierChange(string PreviousTier, string Tier, int PointsEarned12Months, string Reason, DateTimeOffset ChangedAt);

internal sealed record ExportedAudience(string AudienceKey, bool IsMember, DateTimeOffset ChangedAt);

internal sealed record ExportedBalance(int Available, int Pending, int PointsEarned12Months, string Tier);

internal sealed record ExportedCoupon(string Code, Guid OfferId, string OfferTitle, string OfferKind, decimal Value, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt,
    DateTimeOffset? RedeemedAt, string? RedeemedProviderId);

/// <param name="ConsentWording">The consent wording she saw when she joined, with her choices.</param>
internal sealed record ExportedEnrolment(string? ConsentWording, string? Source, string? PreRegisteredBy);

internal sealed record LoyaltyExport(Member Member, ExportedEnrolment Enrolment, ExportedBalance Balance, IReadOnlyList<HistoryEntry> Ledger, IReadOnlyList<ExportedPurchase> Purchases,
    IReadOnlyList<ExportedTierChange> TierHistory, IReadOnlyList<ExportedCoupon> Coupons, IReadOnlyList<CheckIn> CheckIns,
    IReadOnlyList<ExportedAudience> AudienceMemberships);

/// <summary>Everything Loyalty holds about one member, for her access request.</summary>
internal sealed class PersonalDataExport(LoyaltyDatabase database, MemberEnrolment members, PointsLedger ledger, Coupons coupons, CheckInDesk checkIns)
{
    public async Task<LoyaltyExport?> ExportAsync(string memberId, CancellationToken cancellationToken)
    {
        if (await members.FindAsync(memberId, cancellationToken) is not { } member)
        {
            return null;
        }
        var (balance, _) = await ledger.BalanceAsync(memberId, cancellationToken);
        var enrolment = await database.DataSource.Command("SELECT consent_wording, enrolment_source, pre_registered_by FROM members WHERE member_id = $1", memberId)
            .SingleOrDefaultAsync(reader => new ExportedEnrolment(reader.NullableString(0), reader.NullableString(1), reader.NullableString(2)), cancellationToken);
        var purchases = await database.DataSource.Command("""
            SELECT purchase_id, provider_id, amount, treatments::text, earning::text, purchased_at, recorded_at, refunded_at
            FROM purchases WHERE member_id = $1 ORDER BY purchased_at DESC
            """, memberId).ListAsync(reader => new ExportedPurchase(reader.GetString(0), reader.GetString(1), reader.GetDecimal(2),
                JsonDocument.Parse(reader.GetString(3)).RootElement.Clone(), JsonDocument.Parse(reader.GetString(4)).RootElement.Clone(),
                reader.Time(5), reader.Time(6), reader.NullableTime(7)), cancellationToken);
        var tiers = await database.DataSource.Command(
            "SELECT previous_tier, tier, points_12mo, reason, changed_at FROM tier_changes WHERE member_id = $1 ORDER BY changed_at DESC", memberId)
            .ListAsync(reader => new ExportedTierChange(reader.GetString(0), reader.GetString(1), reader.GetInt32(2), reader.GetString(3), reader.Time(4)), cancellationToken);
        var audiences = await database.DataSource.Command(
            "SELECT audience_key, is_member, changed_at FROM audience_memberships WHERE user_id = $1 ORDER BY changed_at DESC", memberId)
            .ListAsync(reader => new ExportedAudience(reader.GetString(0), reader.GetBoolean(1), reader.Time(2)), cancellationToken);
        var held = await coupons.WithOffersForMemberAsync(memberId, cancellationToken);
        return new LoyaltyExport(member, enrolment ?? new ExportedEnrolment(null, null, null), new ExportedBalance(balance.Available, balance.Pending, balance.EarnedInRollingYear, member.Tier),
            await ledger.HistoryAsync(memberId, 100_000, cancellationToken), purchases, tiers,
            [.. held.Select(h => new ExportedCoupon(h.Coupon.Code, h.Coupon.OfferId, h.Offer.Title, h.Offer.Kind == OfferKind.Flash ? "flash" : "standard",
                h.Coupon.Value, h.Coupon.IssuedAt, h.Coupon.ExpiresAt, h.Coupon.RedeemedAt, h.Coupon.RedeemedProviderId))],
            await checkIns.ForMemberAsync(memberId, 10_000, cancellationToken), audiences);
    }
}
