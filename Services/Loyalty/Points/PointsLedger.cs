using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Alle.Loyalty.Members;
using Alle.Loyalty.Outbox;
using Alle.Loyalty.Storage;
using Alle.Loyalty.Tiers;
using Alle.Platform.Sql;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Alle.Loyalty.Points;

internal sealed record PurchaseCommand(string PurchaseId, string ProviderId, string MemberId, IReadOnlyList<Treatment> Treatments, DateTimeOffset? PurchasedAt);

/// <summary>What a purchase earned, as recorded (replays of the same purchase id return it unchanged).</summary>
internal sealed record PurchaseReceipt(
    string PurchaseId, string MemberId, string ProviderId, decimal Amount, DateTimeOffset PurchasedAt,
    int Points, int BasePoints, int PointsOverCap, IReadOnlyList<EarningLine> Lines, DateTimeOffset AvailableAt, DateTimeOffset RecordedAt);

internal enum PurchaseOutcome { Recorded, Replayed, UnknownMember, PurchaseIdTaken }

internal sealed record RefundReceipt(string PurchaseId, string MemberId, int PointsReversed, int PointsUnrecovered, DateTimeOffset RefundedAt);

internal enum RefundOutcome { Refunded, AlreadyRefunded, UnknownPurchase }

internal sealed record RedemptionReceipt(string RedemptionId, string MemberId, string ProviderId, int Points, decimal Value, DateTimeOffset RedeemedAt, int AvailableAfter);

internal enum AdjustmentOutcome { Adjusted, Replayed, UnknownMember, AdjustmentIdTaken, WouldGoNegative }

internal enum RedemptionOutcome { Redeemed, Replayed, UnknownMember, RedemptionIdTaken, NotAMultipleOfStep, InsufficientPoints }

/// <summary>
/// The points ledger: purchases earn, refunds reverse, members redeem. Every change to one member's points holds her
/// member row's lock, so concurrent redemptions can never spend the same points twice; facts go to the outbox in the
/// same transaction.
/// </summary>
internal sealed class PointsLedger(
    LoyaltyDatabase database, EarningRules rules, PromotionCatalog promotions, TierChanges tierChanges, TimeProvider clock, IOptions<LoyaltyOptions> options)
{
    private readonly PointsOptions _points = options.Value.Points;

    public PointsOptions Options => _points;

    public Task<(PurchaseOutcome Outcome, PurchaseReceipt? Receipt)> RecordPurchaseAsync(PurchaseCommand purchase, CancellationToken cancellationToken) =>
        database.InTransactionAsync<(PurchaseOutcome, PurchaseReceipt?)>(async transaction =>
        {
            var member = await transaction.LockMemberAsync(purchase.MemberId, cancellationToken);
            if (member is null)
            {
                return (PurchaseOutcome.UnknownMember, null);
            }
            // The time is read once the lock is held, so it is never earlier than what the previous holder wrote.
            var now = clock.GetUtcNow();

            var requestHash = Hash(purchase);
            var earlier = await transaction.Command("SELECT request_hash, earning::text FROM purchases WHERE purchase_id = $1", purchase.PurchaseId)
                .SingleOrDefaultAsync(reader => (Hash: reader.GetString(0), Receipt: reader.GetString(1)), cancellationToken);
            if (earlier.Hash is not null)
            {
                return earlier.Hash == requestHash
                    ? (PurchaseOutcome.Replayed, JsonSerializer.Deserialize<PurchaseReceipt>(earlier.Receipt, FactOutbox.Json))
                    : (PurchaseOutcome.PurchaseIdTaken, null);
            }

            var purchasedAt = (purchase.PurchasedAt ?? now).ToUniversalTime();
            var balance = PointsBalance.At(await transaction.EntriesAsync(member.MemberId, cancellationToken), now);
            var running = await promotions.RunningAtAsync(transaction, purchasedAt, cancellationToken);
            var earning = rules.Calculate(purchase.Treatments, purchasedAt, running, balance.EarnedInRollingYear);
            var availableAt = now + _points.PendingHold;
            var amount = purchase.Treatments.Sum(t => t.Amount);
            var receipt = new PurchaseReceipt(purchase.PurchaseId, member.MemberId, purchase.ProviderId, amount, purchasedAt,
                earning.Points, earning.BasePoints, earning.PointsOverCap, earning.Lines, availableAt, now);

            var inserted = await transaction.ExecuteAsync("""
                INSERT INTO purchases (purchase_id, member_id, provider_id, amount, treatments, request_hash, earning, purchased_at, recorded_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                ON CONFLICT (purchase_id) DO NOTHING
                """, cancellationToken, purchase.PurchaseId, member.MemberId, purchase.ProviderId, amount,
                Sql.Jsonb(JsonSerializer.Serialize(purchase.Treatments, FactOutbox.Json)), requestHash,
                Sql.Jsonb(JsonSerializer.Serialize(receipt, FactOutbox.Json)), purchasedAt, now);
            if (inserted == 0)
            {
                // The same purchase id was just recorded for another member.
                return (PurchaseOutcome.PurchaseIdTaken, null);
            }
            if (earning.Points > 0)
            {
                await transaction.InsertEntryAsync(member.MemberId, EntryKind.Earn, earning.Points, availableAt, now, purchase.PurchaseId, null,
                    purchase.ProviderId, $"Purchase {purchase.PurchaseId}", cancellationToken);
            }

            var products = purchase.Treatments.Select(t => t.Product).Distinct().ToArray();
            await transaction.TrackAsync($"purchase-completed:{purchase.PurchaseId}", member.MemberId, "Purchase Completed", new
            {
                purchaseId = purchase.PurchaseId,
                providerId = purchase.ProviderId,
                revenue = amount,
                currency = "USD",
                products,
                treatments = purchase.Treatments.Select(t => new { product = t.Product, amount = t.Amount }),
            }, purchasedAt, cancellationToken);
            await transaction.TrackAsync($"points-earned:{purchase.PurchaseId}", member.MemberId, "Points Earned", new
            {
                purchaseId = purchase.PurchaseId,
                providerId = purchase.ProviderId,
                points = earning.Points,
                basePoints = earning.BasePoints,
                pointsOverCap = earning.PointsOverCap,
                status = availableAt > now ? "pending" : "available",
                availableAt,
                promotions = earning.Lines.Where(l => l.PromotionId is not null).Select(l => new { product = l.Product, promotionId = l.PromotionId, multiplier = l.Multiplier }),
            }, now, cancellationToken);

            var after = balance with { Pending = balance.Pending + earning.Points, EarnedInRollingYear = balance.EarnedInRollingYear + earning.Points };
            var tier = await tierChanges.ApplyAsync(transaction, member, after.EarnedInRollingYear, "purchase", now, cancellationToken);
            await transaction.IdentifyAsync(member.MemberId, (member with { Tier = tier }).Traits(after), now, cancellationToken);
            return (PurchaseOutcome.Recorded, receipt);
        }, cancellationToken);

    /// <summary>A provider cancels or refunds a purchase: the points it earned are reversed (idempotent by purchase id).</summary>
    public async Task<(RefundOutcome Outcome, RefundReceipt? Receipt)> RefundAsync(string providerId, string purchaseId, CancellationToken cancellationToken)
    {
        var owner = await database.DataSource.Command("SELECT member_id FROM purchases WHERE purchase_id = $1 AND provider_id = $2", purchaseId, providerId)
            .SingleOrDefaultAsync(reader => reader.GetString(0), cancellationToken);
        if (owner is null)
        {
            return (RefundOutcome.UnknownPurchase, null);
        }

        return await database.InTransactionAsync<(RefundOutcome, RefundReceipt?)>(async transaction =>
        {
            var member = await transaction.LockMemberAsync(owner, cancellationToken);
            var now = clock.GetUtcNow();
            var refundedAt = await transaction.Command("SELECT refunded_at FROM purchases WHERE purchase_id = $1 FOR UPDATE", purchaseId)
                .SingleOrDefaultAsync(reader => (Found: true, At: reader.NullableInstant(0)), cancellationToken);
            if (member is null || !refundedAt.Found)
            {
                return (RefundOutcome.UnknownPurchase, null);
            }
            var entries = await transaction.EntriesAsync(member.MemberId, cancellationToken);
            if (refundedAt.At is { } at)
            {
                var earned = entries.Where(e => e.PurchaseId == purchaseId && e.Kind == EntryKind.Earn).Sum(e => e.Points);
                var reversed = -entries.Where(e => e.PurchaseId == purchaseId && e.Kind == EntryKind.Reverse).Sum(e => e.Points);
                return (RefundOutcome.AlreadyRefunded, new RefundReceipt(purchaseId, member.MemberId, reversed, earned - reversed, at));
            }

            var balance = PointsBalance.At(entries, now);
            var earn = entries.FirstOrDefault(e => e.PurchaseId == purchaseId && e.Kind == EntryKind.Earn);
            var reversal = earn is null ? new Reversal(0, now, 0) : balance.Reverse(earn, now);
            if (reversal.Points > 0)
            {
                await transaction.InsertEntryAsync(member.MemberId, EntryKind.Reverse, -reversal.Points, reversal.AvailableAt, now, purchaseId, null,
                    providerId, $"Refund of purchase {purchaseId}", cancellationToken);
            }
            await transaction.ExecuteAsync("UPDATE purchases SET refunded_at = $2 WHERE purchase_id = $1", cancellationToken, purchaseId, now);

            await transaction.TrackAsync($"purchase-refunded:{purchaseId}", member.MemberId, "Purchase Refunded", new { purchaseId, providerId }, now, cancellationToken);
            await transaction.TrackAsync($"points-reversed:{purchaseId}", member.MemberId, "Points Reversed", new
            {
                purchaseId,
                providerId,
                points = reversal.Points,
                pointsUnrecovered = reversal.Unrecovered,
                wasPending = earn is not null && earn.AvailableAt > now,
            }, now, cancellationToken);

            var after = PointsBalance.At(await transaction.EntriesAsync(member.MemberId, cancellationToken), now);
            var tier = await tierChanges.ApplyAsync(transaction, member, after.EarnedInRollingYear, "refund", now, cancellationToken);
            await transaction.IdentifyAsync(member.MemberId, (member with { Tier = tier }).Traits(after), now, cancellationToken);
            return (RefundOutcome.Refunded, new RefundReceipt(purchaseId, member.MemberId, reversal.Points, reversal.Unrecovered, now));
        }, cancellationToken);
    }

    /// <summary>Spends available points in steps of <c>RedemptionStep</c> for dollars off a treatment (idempotent by redemption id).</summary>
    public Task<(RedemptionOutcome Outcome, RedemptionReceipt? Receipt)> RedeemAsync(string memberId, string redemptionId, int points, string providerId, CancellationToken cancellationToken) =>
        database.InTransactionAsync<(RedemptionOutcome, RedemptionReceipt?)>(async transaction =>
        {
            var member = await transaction.LockMemberAsync(memberId, cancellationToken);
            if (member is null)
            {
                return (RedemptionOutcome.UnknownMember, null);
            }
            var now = clock.GetUtcNow();
            var entries = await transaction.EntriesAsync(memberId, cancellationToken);
            var earlier = await transaction.Command("SELECT member_id, -points, provider_id, created_at FROM ledger_entries WHERE redemption_id = $1", redemptionId)
                .SingleOrDefaultAsync(reader => (MemberId: reader.GetString(0), Points: reader.GetInt32(1), ProviderId: reader.GetString(2), At: reader.Instant(3)), cancellationToken);
            if (earlier.MemberId is not null)
            {
                return earlier.MemberId == memberId && earlier.Points == points && earlier.ProviderId == providerId
                    ? (RedemptionOutcome.Replayed, new RedemptionReceipt(redemptionId, memberId, providerId, points, ValueOf(points), earlier.At, PointsBalance.At(entries, now).Available))
                    : (RedemptionOutcome.RedemptionIdTaken, null);
            }

            var balance = PointsBalance.At(entries, now);
            switch (balance.CheckRedemption(points, _points.RedemptionStep))
            {
                case RedemptionCheck.NotAMultipleOfStep:
                    return (RedemptionOutcome.NotAMultipleOfStep, null);
                case RedemptionCheck.InsufficientPoints:
                    return (RedemptionOutcome.InsufficientPoints, new RedemptionReceipt(redemptionId, memberId, providerId, points, ValueOf(points), now, balance.Available));
            }

            var value = ValueOf(points);
            await transaction.InsertEntryAsync(memberId, EntryKind.Redeem, -points, now, now, null, redemptionId, providerId,
                $"Redeemed {points} points for ${value:0.00} off", cancellationToken);
            await transaction.TrackAsync($"points-redeemed:{redemptionId}", memberId, "Points Redeemed", new
            {
                redemptionId, providerId, points, value, currency = "USD",
            }, now, cancellationToken);
            var after = balance with { Available = balance.Available - points };
            await transaction.IdentifyAsync(memberId, member.Traits(after), now, cancellationToken);
            return (RedemptionOutcome.Redeemed, new RedemptionReceipt(redemptionId, memberId, providerId, points, value, now, after.Available));
        }, cancellationToken);

    /// <summary>
    /// A support correction (goodwill points, or taking back points credited by mistake): available at once, not counted
    /// towards tiers, never taking the available balance below zero. Idempotent by adjustment id.
    /// </summary>
    public Task<(AdjustmentOutcome Outcome, int AvailableAfter)> AdjustAsync(string memberId, string adjustmentId, int points, string reason, CancellationToken cancellationToken) =>
        database.InTransactionAsync<(AdjustmentOutcome, int)>(async transaction =>
        {
            var member = await transaction.LockMemberAsync(memberId, cancellationToken);
            if (member is null)
            {
                return (AdjustmentOutcome.UnknownMember, 0);
            }
            var now = clock.GetUtcNow();
            var entries = await transaction.EntriesAsync(memberId, cancellationToken);
            var balance = PointsBalance.At(entries, now);
            var earlier = await transaction.Command("SELECT member_id, points FROM ledger_entries WHERE adjustment_id = $1", adjustmentId)
                .SingleOrDefaultAsync(reader => (MemberId: reader.GetString(0), Points: reader.GetInt32(1)), cancellationToken);
            if (earlier.MemberId is not null)
            {
                return earlier.MemberId == memberId && earlier.Points == points
                    ? (AdjustmentOutcome.Replayed, balance.Available)
                    : (AdjustmentOutcome.AdjustmentIdTaken, balance.Available);
            }
            if (balance.Available + points < 0)
            {
                return (AdjustmentOutcome.WouldGoNegative, balance.Available);
            }
            await transaction.ExecuteAsync("""
                INSERT INTO ledger_entries (member_id, kind, points, available_at, created_at, adjustment_id, description)
                VALUES ($1, 'adjust', $2, $3, $3, $4, $5)
                """, cancellationToken, memberId, points, now, adjustmentId, reason);
            await transaction.TrackAsync($"points-adjusted:{adjustmentId}", memberId, "Points Adjusted", new { adjustmentId, points, reason }, now, cancellationToken);
            var after = balance with { Available = balance.Available + points };
            await transaction.IdentifyAsync(memberId, member.Traits(after), now, cancellationToken);
            return (AdjustmentOutcome.Adjusted, after.Available);
        }, cancellationToken);

    public async Task<(PointsBalance Balance, IReadOnlyList<LedgerEntry> PendingEntries)> BalanceAsync(string memberId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        var entries = await transaction.EntriesAsync(memberId, cancellationToken);
        var pendingByDate = entries.Where(e => e.AvailableAt > now).ToList();
        return (PointsBalance.At(entries, now), pendingByDate);
    }

    public async Task<IReadOnlyList<HistoryEntry>> HistoryAsync(string memberId, int limit, CancellationToken cancellationToken) =>
        await database.DataSource.Command("""
            SELECT entry_id, kind, points, available_at, created_at, purchase_id, redemption_id, provider_id, description
            FROM ledger_entries WHERE member_id = $1 ORDER BY entry_id DESC LIMIT $2
            """, memberId, limit).ListAsync(reader => new HistoryEntry(
                reader.GetInt64(0), reader.GetString(1), reader.GetInt32(2), reader.Instant(3), reader.Instant(4),
                reader.NullableString(5), reader.NullableString(6), reader.NullableString(7), reader.GetString(8)), cancellationToken);

    public decimal ValueOf(int points) => points / _points.RedemptionStep * _points.RedemptionStepValue;

    private static string Hash(PurchaseCommand purchase)
    {
        var canonical = JsonSerializer.Serialize(new
        {
            purchase.MemberId,
            purchase.ProviderId,
            Treatments = purchase.Treatments.OrderBy(t => t.Product, StringComparer.Ordinal).ThenBy(t => t.Amount),
            PurchasedAt = purchase.PurchasedAt?.ToUniversalTime(),
        });
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }
}

internal sealed record HistoryEntry(long EntryId, string Kind, int Points, DateTimeOffset AvailableAt, DateTimeOffset CreatedAt,
    string? PurchaseId, string? RedemptionId, string? ProviderId, string Description);
