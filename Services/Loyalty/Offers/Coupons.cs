using Alle.Contracts;
using Alle.Loyalty.Outbox;
using Alle.Loyalty.Storage;
using Npgsql;

namespace Alle.Loyalty.Offers;

internal sealed record Coupon(string Code, Guid OfferId, string MemberId, decimal Value, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt,
    DateTimeOffset? RedeemedAt, string? RedeemedProviderId)
{
    public const string Columns = "code, offer_id, member_id, value, issued_at, expires_at, redeemed_at, redeemed_provider_id";

    public static Coupon Read(NpgsqlDataReader reader) => new(reader.GetString(0), reader.GetGuid(1), reader.GetString(2), reader.GetDecimal(3),
        reader.Time(4), reader.Time(5), reader.NullableTime(6), reader.NullableString(7));
}

internal enum IssueOutcome { Issued, AlreadyIssued, UnknownOffer, UnknownMember, NotEligible }

internal enum RedeemOutcome { Redeemed, UnknownCode, OtherMembersCoupon, AlreadyRedeemed, Expired, NotAtThisProvider }

/// <summary>
/// Unique coupons: at most one per member and offer (a unique constraint; issuing again returns the same code),
/// redeemable once, at a provider the offer allows, before it expires.
/// </summary>
internal sealed class Coupons(LoyaltyDatabase database, TimeProvider clock)
{
    public async Task<(IssueOutcome Outcome, Coupon? Coupon, Offer? Offer, OfferEligibility Eligibility)> IssueAsync(Guid offerId, string memberId, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await database.InTransactionAsync(transaction => IssueAsync(transaction, offerId, memberId, cancellationToken), cancellationToken);
            }
            catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.UniqueViolation && exception.ConstraintName == "coupons_pkey" && attempt < 3)
            {
                // Two random codes collided (about one chance in 10^16 per pair): draw another.
            }
        }
    }

    private async Task<(IssueOutcome, Coupon?, Offer?, OfferEligibility)> IssueAsync(NpgsqlTransaction transaction, Guid offerId, string memberId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var offer = await OfferCatalog.FindAsync(transaction, offerId, cancellationToken);
        if (offer is null)
        {
            return (IssueOutcome.UnknownOffer, null, null, OfferEligibility.Inactive);
        }
        var existing = await ExistingAsync(transaction, offerId, memberId, cancellationToken);
        if (existing is not null)
        {
            return (IssueOutcome.AlreadyIssued, existing, offer, OfferEligibility.Eligible);
        }
        var memberExists = await transaction.Command("SELECT 1 FROM members WHERE member_id = $1", memberId).SingleOrDefaultAsync(reader => (object)true, cancellationToken) is not null;
        if (!memberExists)
        {
            return (IssueOutcome.UnknownMember, null, offer, OfferEligibility.Inactive);
        }
        var eligibility = offer.EligibilityFor(await OfferCatalog.AudiencesOfAsync(transaction, memberId, cancellationToken), now);
        if (eligibility != OfferEligibility.Eligible)
        {
            return (IssueOutcome.NotEligible, null, offer, eligibility);
        }

        var issued = await transaction.Command($"""
            INSERT INTO coupons (code, offer_id, member_id, value, issued_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (offer_id, member_id) DO NOTHING
            RETURNING {Coupon.Columns}
            """, CouponCode.Generate(), offerId, memberId, offer.Value, now, offer.CouponExpiry(now)).SingleOrDefaultAsync(Coupon.Read, cancellationToken);
        if (issued is null)
        {
            // A concurrent request issued it first: answer with that coupon.
            return (IssueOutcome.AlreadyIssued, await ExistingAsync(transaction, offerId, memberId, cancellationToken), offer, OfferEligibility.Eligible);
        }

        await transaction.TrackAsync($"offer-issued:{offerId:N}:{memberId}", memberId, "Offer Issued", new
        {
            offerId, offerTitle = offer.Title, offerKind = offer.Kind == OfferKind.Flash ? "flash" : "standard",
            couponCode = issued.Code, value = issued.Value, expiresAt = issued.ExpiresAt,
        }, now, cancellationToken);
        await transaction.PublishAsync($"coupon-issued:{offerId:N}:{memberId}", new CouponIssued(offerId, memberId, issued.Code, issued.Value, issued.ExpiresAt, issued.IssuedAt),
            memberId, now, cancellationToken);
        return (IssueOutcome.Issued, issued, offer, OfferEligibility.Eligible);
    }

    /// <param name="code">A well-formed code (see <see cref="CouponCode.Normalize"/>).</param>
    public Task<(RedeemOutcome Outcome, Coupon? Coupon)> RedeemAsync(string code, string memberId, string providerId, CancellationToken cancellationToken) =>
        database.InTransactionAsync<(RedeemOutcome, Coupon?)>(async transaction =>
        {
            var now = clock.GetUtcNow();
            var coupon = await transaction.Command($"SELECT {Coupon.Columns} FROM coupons WHERE code = $1 FOR UPDATE", code).SingleOrDefaultAsync(Coupon.Read, cancellationToken);
            if (coupon is null)
            {
                return (RedeemOutcome.UnknownCode, null);
            }
            if (coupon.MemberId != memberId)
            {
                // Say nothing else about another member's coupon.
                return (RedeemOutcome.OtherMembersCoupon, null);
            }
            if (coupon.RedeemedAt is not null)
            {
                return (RedeemOutcome.AlreadyRedeemed, coupon);
            }
            if (now >= coupon.ExpiresAt)
            {
                return (RedeemOutcome.Expired, coupon);
            }
            var offer = (await OfferCatalog.FindAsync(transaction, coupon.OfferId, cancellationToken))!;
            if (!offer.RedeemableAt(providerId))
            {
                return (RedeemOutcome.NotAtThisProvider, coupon);
            }

            await transaction.ExecuteAsync("UPDATE coupons SET redeemed_at = $2, redeemed_provider_id = $3 WHERE code = $1", cancellationToken, code, now, providerId);
            await transaction.TrackAsync($"offer-redeemed:{code}", memberId, "Offer Redeemed", new
            {
                offerId = coupon.OfferId, offerTitle = offer.Title, couponCode = code, providerId, value = coupon.Value,
            }, now, cancellationToken);
            await transaction.PublishAsync($"offer-redeemed:{code}", new OfferRedeemed(coupon.OfferId, memberId, code, providerId, now), memberId, now, cancellationToken);
            return (RedeemOutcome.Redeemed, coupon with { RedeemedAt = now, RedeemedProviderId = providerId });
        }, cancellationToken);

    public Task<List<Coupon>> ForMemberAsync(string memberId, CancellationToken cancellationToken) =>
        database.DataSource.Command($"SELECT {Coupon.Columns} FROM coupons WHERE member_id = $1 ORDER BY issued_at DESC", memberId).ListAsync(Coupon.Read, cancellationToken);

    private static Task<Coupon?> ExistingAsync(NpgsqlTransaction transaction, Guid offerId, string memberId, CancellationToken cancellationToken) =>
        transaction.Command($"SELECT {Coupon.Columns} FROM coupons WHERE offer_id = $1 AND member_id = $2", offerId, memberId).SingleOrDefaultAsync(Coupon.Read, cancellationToken);
}
