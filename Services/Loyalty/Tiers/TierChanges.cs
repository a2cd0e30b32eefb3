using Alle.Loyalty.Members;
using Alle.Loyalty.Outbox;
using Alle.Loyalty.Storage;
using Npgsql;

namespace Alle.Loyalty.Tiers;

/// <summary>Moves a member to the tier her rolling 12-month points call for, recording a <c>Tier Changed</c> fact when it changes.</summary>
internal sealed class TierChanges(TierPolicy policy)
{
    /// <returns>The member's tier after the update.</returns>
    public async Task<string> ApplyAsync(NpgsqlTransaction transaction, Member member, int pointsInRollingYear, string reason, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var tier = policy.For(pointsInRollingYear);
        if (tier.Key == member.Tier)
        {
            return member.Tier;
        }
        await transaction.ExecuteAsync("UPDATE members SET tier = $2 WHERE member_id = $1", cancellationToken, member.MemberId, tier.Key);
        await transaction.ExecuteAsync("INSERT INTO tier_changes (member_id, previous_tier, tier, points_12mo, reason, changed_at) VALUES ($1, $2, $3, $4, $5, $6)",
            cancellationToken, member.MemberId, member.Tier, tier.Key, pointsInRollingYear, reason, now);
        var previous = policy.Find(member.Tier);
        await transaction.TrackAsync($"tier-changed:{member.MemberId}:{Guid.CreateVersion7(now):N}", member.MemberId, "Tier Changed", new
        {
            previousTier = member.Tier,
            tier = tier.Key,
            tierName = tier.Name,
            direction = previous is null || tier.Threshold > previous.Threshold ? "up" : "down",
            pointsEarned12Months = pointsInRollingYear,
            reason,
        }, now, cancellationToken);
        return tier.Key;
    }
}
