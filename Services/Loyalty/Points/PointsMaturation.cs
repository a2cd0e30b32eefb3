using Alle.Loyalty.Members;
using Alle.Loyalty.Outbox;
using Alle.Loyalty.Storage;
using Alle.Loyalty.Tiers;
using Alle.Platform.Sql;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Alle.Loyalty.Points;

/// <summary>
/// Time-driven facts. Balances are computed from the ledger at read time, so points are available the instant their
/// hold ends; this job announces it (a <c>Points Available</c> fact and an identify with the new balance, so the
/// profile's traits agree with the balance) and moves members down a tier when points leave the rolling 12 months.
/// </summary>
internal sealed class PointsMaturation(
    LoyaltyDatabase database, TierChanges tierChanges, TierPolicy tiers, TimeProvider clock, IOptions<LoyaltyOptions> options, ILogger<PointsMaturation> logger)
    : BackgroundService
{
    private readonly MaturationOptions _options = options.Value.Maturation;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var nextTierReview = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await AnnounceMaturedAsync(500, stoppingToken) == 500)
                {
                }
                if (clock.GetUtcNow() >= nextTierReview)
                {
                    await ReviewTiersAsync(stoppingToken);
                    nextTierReview = clock.GetUtcNow() + _options.TierReviewInterval;
                }
            }
            catch (Exception exception) when (exception is NpgsqlException or TimeoutException && !stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(exception, "Points maturation could not reach the database; retrying");
            }
            try
            {
                await Task.Delay(_options.Interval, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Announces earn entries whose hold has ended; returns how many it handled.</summary>
    internal Task<int> AnnounceMaturedAsync(int limit, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async transaction =>
        {
            var now = clock.GetUtcNow();
            var matured = await transaction.Command("""
                SELECT e.entry_id, e.member_id, e.purchase_id,
                       e.points + COALESCE((SELECT sum(r.points) FROM ledger_entries r
                                            WHERE r.kind = 'reverse' AND r.purchase_id = e.purchase_id AND r.available_at = e.available_at), 0)
                FROM ledger_entries e
                WHERE e.kind = 'earn' AND e.available_at <= $1
                  AND NOT EXISTS (SELECT 1 FROM point_maturations m WHERE m.entry_id = e.entry_id)
                ORDER BY e.available_at
                LIMIT $2
                FOR UPDATE OF e SKIP LOCKED
                """, now, limit).ListAsync(reader => (EntryId: reader.GetInt64(0), MemberId: reader.GetString(1), PurchaseId: reader.NullableString(2), Points: (int)reader.GetInt64(3)), cancellationToken);

            foreach (var entry in matured)
            {
                await transaction.ExecuteAsync("INSERT INTO point_maturations (entry_id, member_id, matured_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                    cancellationToken, entry.EntryId, entry.MemberId, now);
                if (entry.Points > 0)
                {
                    await transaction.TrackAsync($"points-available:{entry.EntryId}", entry.MemberId, "Points Available",
                        new { purchaseId = entry.PurchaseId, points = entry.Points }, now, cancellationToken);
                }
            }
            foreach (var memberId in matured.Where(e => e.Points > 0).Select(e => e.MemberId).Distinct())
            {
                var member = await transaction.Command($"SELECT {Member.Columns} FROM members WHERE member_id = $1", memberId).SingleOrDefaultAsync(Member.Read, cancellationToken);
                if (member is not null)
                {
                    var balance = PointsBalance.At(await transaction.EntriesAsync(memberId, cancellationToken), now);
                    await transaction.IdentifyAsync(memberId, member.Traits(balance), now, cancellationToken);
                }
            }
            return matured.Count;
        }, cancellationToken);

    /// <summary>Members above the base tier whose rolling 12-month points no longer hold it move down.</summary>
    internal async Task ReviewTiersAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var candidates = await database.DataSource.Command("""
            SELECT m.member_id, COALESCE(sum(e.points) FILTER (WHERE e.kind IN ('earn', 'reverse') AND e.created_at > $2), 0)
            FROM members m LEFT JOIN ledger_entries e ON e.member_id = m.member_id
            WHERE m.tier <> $1
            GROUP BY m.member_id, m.tier
            """, tiers.Base.Key, now - PointsBalance.RollingYear).ListAsync(reader => (MemberId: reader.GetString(0), Points: (int)reader.GetInt64(1)), cancellationToken);

        foreach (var candidate in candidates)
        {
            await database.InTransactionAsync(async transaction =>
            {
                var member = await transaction.LockMemberAsync(candidate.MemberId, cancellationToken);
                if (member is not null)
                {
                    var balance = PointsBalance.At(await transaction.EntriesAsync(member.MemberId, cancellationToken), now);
                    var tier = await tierChanges.ApplyAsync(transaction, member, balance.EarnedInRollingYear, "rolling-year", now, cancellationToken);
                    if (tier != member.Tier)
                    {
                        await transaction.IdentifyAsync(member.MemberId, (member with { Tier = tier }).Traits(balance), now, cancellationToken);
                    }
                }
                return 0;
            }, cancellationToken);
        }
    }
}
