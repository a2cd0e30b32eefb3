using Alle.Contracts;
using Alle.Loyalty.Outbox;
using Alle.Loyalty.Storage;
using Npgsql;

namespace Alle.Loyalty.Offers;

internal sealed record Coupon(string Code, Guid OfferId, string MemberId, decimal Value, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt,
    DateTimeOffset? RedeemedAt, string? RedeemedProviderId)
{
    public const string Columns = "code, offer_id, member_id, value, issued_at, expires_at, redeemed_at, redeemed_provider_id";

    public static string ColumnsOf(string alias) => string.Join(", ", Columns.Split(", ").Select(column => $"{alias}.{column}"));

    public static Coupon Read(NpgsqlDataReader reader) => Read(reader, 0);

    /// <summary>A coupon whose columns start at <paramref name="first"/> (after another table's columns in a join).</summary>
    public static Coupon Read(NpgsqlDataReader reader, int first) => new(reader.GetString(first), reader.GetGuid(first + 1), reader.GetString(first + 2),
        reader.GetDecimal(first + 3), reader.Time(first + 4), reader.Time(first + 5), reader.NullableTime(first + 6), reader.NullableString(first + 7));
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

    /// <summary>Issues within the caller's transaction (a check-in hands out its flash offer's coupon with the visit).</summary>
    internal async Task<(IssueOutcome, Coupon?, Offer?, OfferEligibility)> IssueAsync(NpgsqlTransaction transaction, Guid offerId, string memberId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        // One round trip for everything the decision needs: the offer, a coupon already issued, the member, her audiences.
        var found = await transaction.Command($"""
            SELECT {OfferCatalog.ColumnsOf("o")}, {Coupon.ColumnsOf("c")},
                   EXISTS (SELECT 1 FROM members m WHERE m.member_id = $2),
                   ARRAY (SELECT a.audience_key FROM audience_memberships a WHERE a.user_id = $2 AND a.is_member)
            FROM offers o LEFT JOIN coupons c ON c.offer_id = o.offer_id AND c.member_id = $2
            WHERE o.offer_id = $1
            """, offerId, memberId).SingleOrDefaultAsync(reader => (
                Offer: OfferCatalog.Read(reader),
                Existing: reader.IsDBNull(13) ? null : Coupon.Read(reader, 13),
                MemberExists: reader.GetBoolean(21),
                Audiences: (IReadOnlySet<string>)reader.GetFieldValue<string[]>(22).ToHashSet(StringComparer.Ordinal)), cancellationToken);
        var offer = found.Offer;
        if (offer is null)
        {
            return (IssueOutcome.UnknownOffer, null, null, OfferEligibility.Inactive);
        }
        if (found.Existing is not null)
        {
            return (IssueOutcome.AlreadyIssued, found.Existing, offer, OfferEligibility.Eligible);
        }
        if (!found.MemberExists)
        {
            return (IssueOutcome.UnknownMember, null, offer, OfferEligibility.Inactive);
        }
        var eligibility = offer.EligibilityFor(found.Audiences, now);
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
            var (coupon, offer) = await transaction.Command($"""
                SELECT {Coupon.ColumnsOf("c")}, {OfferCatalog.ColumnsOf("o")}
                FROM coupons c JOIN offers o ON o.offer_id = c.offer_id
                WHERE c.code = $1
                FOR UPDATE OF c
                """, code).SingleOrDefaultAsync(reader => (Coupon: Coupon.Read(reader), Offer: OfferCatalog.Read(reader, 8)), cancellationToken);
            if (coupon is null)
            {
                return (RedeemOutcome.UnknownCode, null);
            }
            var now = clock.GetUtcNow();
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

    /// <summary>Her coupons with the offers they came from (title, kind, where they are valid), newest first.</summary>
    public Task<List<(Coupon Coupon, Offer Offer)>> WithOffersForMemberAsync(string memberId, CancellationToken cancellationToken) =>
        database.DataSource.Command($"SELECT {Coupon.ColumnsOf("c")}, {OfferCatalog.ColumnsOf("o")} FROM coupons c JOIN offers o ON o.offer_id = c.offer_id WHERE c.member_id = $1 ORDER BY c.issued_at DESC",
            memberId).ListAsync(reader => (Coupon.Read(reader), OfferCatalog.Read(reader, 8)), cancellationToken);

    public Task<List<Coupon>> ForMemberAsync(string memberId, CancellationToken cancellationToken) =>
        database.DataSource.Command($"SELECT {Coupon.Columns} FROM coupons WHERE member_id = $1 ORDER BY issued_at DESC", memberId).ListAsync(Coupon.Read, cancellationToken);

    private static Task<Coupon?> ExistingAsync(NpgsqlTransaction transaction, Guid offerId, string memberId, CancellationToken cancellationToken) =>
        transaction.Command($"SELECT {Coupon.Columns} FROM coupons WHERE offer_id = $1 AND member_id = $2", offerId, memberId).SingleOrDefaultAsync(Coupon.Read, cancellationToken);
}
