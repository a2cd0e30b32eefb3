using Alle.Loyalty.Offers;
using Alle.Loyalty.Outbox;
using Alle.Loyalty.Points;
using Alle.Loyalty.Providers;
using Alle.Loyalty.Storage;
using Microsoft.Extensions.Options;

namespace Alle.Loyalty.CheckIns;

internal sealed record CheckIn(string CheckInId, string MemberId, string ProviderId, string ProviderName, Guid? FlashOfferId, DateTimeOffset CheckedInAt);

internal enum CheckInOutcome { CheckedIn, Repeated, UnknownMember }

/// <summary>
/// Flash Rewards check-in: records the visit and the <c>Provider Checked In</c> fact, naming the flash offer running at
/// that provider for which the member is eligible (and has no coupon yet), if any. A Messaging journey triggered by the
/// event issues the coupon through the coupons API and texts it. A repeated check-in within the repeat window returns
/// the first one and sends nothing again.
/// </summary>
internal sealed class CheckInDesk(LoyaltyDatabase database, TimeProvider clock, IOptions<LoyaltyOptions> options)
{
    public Task<(CheckInOutcome Outcome, CheckIn? CheckIn)> CheckInAsync(string memberId, Provider provider, CancellationToken cancellationToken) =>
        database.InTransactionAsync<(CheckInOutcome, CheckIn?)>(async transaction =>
        {
            var member = await transaction.LockMemberAsync(memberId, cancellationToken);
            if (member is null)
            {
                return (CheckInOutcome.UnknownMember, null);
            }
            var now = clock.GetUtcNow();
            var recent = await transaction.Command("""
                SELECT check_in_id, flash_offer_id, checked_in_at FROM check_ins
                WHERE member_id = $1 AND provider_id = $2 AND checked_in_at > $3
                ORDER BY checked_in_at DESC LIMIT 1
                """, memberId, provider.ProviderId, now - options.Value.CheckIns.RepeatWindow)
                .SingleOrDefaultAsync(reader => new CheckIn(reader.GetString(0), memberId, provider.ProviderId, provider.Name,
                    reader.IsDBNull(1) ? null : reader.GetGuid(1), reader.Time(2)), cancellationToken);
            if (recent is not null)
            {
                return (CheckInOutcome.Repeated, recent);
            }

            var audiences = await OfferCatalog.AudiencesOfAsync(transaction, memberId, cancellationToken);
            var flashOffer = (await OfferCatalog.RunningFlashOffersAsync(transaction, provider.ProviderId, memberId, now, cancellationToken))
                .FirstOrDefault(offer => offer.EligibilityFor(audiences, now) == OfferEligibility.Eligible);

            var checkIn = new CheckIn($"chk_{Guid.CreateVersion7(now):N}", memberId, provider.ProviderId, provider.Name, flashOffer?.OfferId, now);
            await transaction.ExecuteAsync("INSERT INTO check_ins (check_in_id, member_id, provider_id, flash_offer_id, checked_in_at) VALUES ($1, $2, $3, $4, $5)",
                cancellationToken, checkIn.CheckInId, memberId, provider.ProviderId,
                new Npgsql.NpgsqlParameter { Value = (object?)checkIn.FlashOfferId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid }, now);

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
            return (CheckInOutcome.CheckedIn, checkIn);
        }, cancellationToken);
}
