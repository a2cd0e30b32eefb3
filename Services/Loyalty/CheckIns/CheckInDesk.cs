using Alle.Loyalty.Offers;
using Alle.Loyalty.Outbox;
using Alle.Loyalty.Points;
using Alle.Loyalty.Providers;
using Alle.Loyalty.Storage;
using Microsoft.Extensions.Options;

namespace Alle.Loyalty.CheckIns;

internal sealed record CheckIn(string CheckInId, string MemberId, string ProviderId, string ProviderName, Guid? FlashOfferId, DateTimeOffset CheckedInAt);

/// <summary>A recorded check-in, with the flash offer's coupon it put in her wallet (if a flash offer ran there for her).</summary>
internal sealed record CheckInResult(CheckIn CheckIn, Coupon? Coupon, Offer? FlashOffer);

internal enum CheckInOutcome { CheckedIn, Refused, UnknownMember }

/// <summary>
/// Flash Rewards check-in: records the visit and the <c>Provider Checked In</c> fact. When a flash offer runs at that
/// provider for her (eligible, no coupon yet), its coupon is issued in the same transaction — it is in her wallet the
/// moment the desk answers — and the event names the offer, so the Flash Rewards journey texts it (the journey's
/// coupon call answers the same coupon). One visit at a time, and not twice at one provider within the repeat
/// interval (<see cref="CheckInRules"/>): a refusal says which check-in stands in the way and until when.
/// </summary>
internal sealed class CheckInDesk(LoyaltyDatabase database, Coupons coupons, TimeProvider clock, IOptions<LoyaltyOptions> options)
{
    public Task<(CheckInOutcome Outcome, CheckInResult? Result, CheckInRefusal? Refusal)> CheckInAsync(string memberId, Provider provider,
        CancellationToken cancellationToken) =>
        database.InTransactionAsync<(CheckInOutcome, CheckInResult?, CheckInRefusal?)>(async transaction =>
        {
            // The member's row lock makes two check-ins at once (two tabs, two clinics) take turns.
            var member = await transaction.LockMemberAsync(memberId, cancellationToken);
            if (member is null)
            {
                return (CheckInOutcome.UnknownMember, null, null);
            }
            var now = clock.GetUtcNow();
            var rules = options.Value.CheckIns;
            var horizon = rules.RepeatInterval > rules.VisitLength ? rules.RepeatInterval : rules.VisitLength;
            var recent = await transaction.Command("""
                SELECT c.check_in_id, c.provider_id, p.name, c.flash_offer_id, c.checked_in_at
                FROM check_ins c JOIN providers p ON p.provider_id = c.provider_id
                WHERE c.member_id = $1 AND c.checked_in_at > $2 ORDER BY c.checked_in_at DESC LIMIT 20
                """, memberId, now - horizon)
                .ListAsync(reader => new CheckIn(reader.GetString(0), memberId, reader.GetString(1), reader.GetString(2),
                    reader.IsDBNull(3) ? null : reader.GetGuid(3), reader.Time(4)), cancellationToken);
            if (CheckInRules.Refusal(recent, provider.ProviderId, now, rules) is { } refusal)
            {
                return (CheckInOutcome.Refused, null, refusal);
            }

            var audiences = await OfferCatalog.AudiencesOfAsync(transaction, memberId, cancellationToken);
            var flashOffer = (await OfferCatalog.RunningFlashOffersAsync(transaction, provider.ProviderId, memberId, now, cancellationToken))
                .FirstOrDefault(offer => offer.EligibilityFor(audiences, now) == OfferEligibility.Eligible);

            var checkIn = new CheckIn($"chk_{Guid.CreateVersion7(now):N}", memberId, provider.ProviderId, provider.Name, flashOffer?.OfferId, now);
            await transaction.ExecuteAsync("INSERT INTO check_ins (check_in_id, member_id, provider_id, flash_offer_id, checked_in_at) VALUES ($1, $2, $3, $4, $5)",
                cancellationToken, checkIn.CheckInId, memberId, provider.ProviderId,
                new Npgsql.NpgsqlParameter { Value = (object?)checkIn.FlashOfferId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid }, now);

            Coupon? coupon = null;
            if (flashOffer is not null)
            {
                (_, coupon, _, _) = await coupons.IssueAsync(transaction, flashOffer.OfferId, memberId, cancellationToken);
            }

            // flashOfferId is present only when a flash offer applies: the journey's coupon step reads it.
            var properties = new Dictionary<string, object?>
            {
                ["providerId"] = provider.ProviderId,
                ["providerName"] = provider.Name,
                ["checkInId"] = checkIn.CheckInId,
            };
            if (flashOffer is not null)
            {
                properties["flashOfferId"] = flashOffer.OfferId.ToString();
                properties["flashOfferTitle"] = flashOffer.Title;
                properties["flashOfferValue"] = flashOffer.Value;
            }
            await transaction.TrackAsync($"provider-checked-in:{checkIn.CheckInId}", memberId, "Provider Checked In", properties, now, cancellationToken);
            return (CheckInOutcome.CheckedIn, new CheckInResult(checkIn, coupon, flashOffer), null);
        }, cancellationToken);

    /// <summary>Her check-ins, newest first, with the provider's name.</summary>
    public Task<List<CheckIn>> ForMemberAsync(string memberId, int limit, CancellationToken cancellationToken) =>
        database.DataSource.Command("""
            SELECT c.check_in_id, c.provider_id, p.name, c.flash_offer_id, c.checked_in_at
            FROM check_ins c JOIN providers p ON p.provider_id = c.provider_id
            WHERE c.member_id = $1 ORDER BY c.checked_in_at DESC LIMIT $2
            """, memberId, limit)
            .ListAsync(reader => new CheckIn(reader.GetString(0), memberId, reader.GetString(1), reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetGuid(3), reader.Time(4)), cancellationToken);
}
