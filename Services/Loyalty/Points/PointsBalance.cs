namespace Alle.Loyalty.Points;

/// <summary>Earn and Reverse come from purchases (and count towards tiers); Redeem spends; Adjust is a support correction.</summary>
internal enum EntryKind { Earn, Reverse, Redeem, Adjust }

/// <summary>One append-only ledger entry. Points count as available from <see cref="AvailableAt"/> on.</summary>
internal sealed record LedgerEntry(long Id, EntryKind Kind, int Points, DateTimeOffset AvailableAt, DateTimeOffset CreatedAt, string? PurchaseId);

internal sealed record PointsBalance(int Available, int Pending, int EarnedInRollingYear)
{
    public static readonly TimeSpan RollingYear = TimeSpan.FromDays(365);

    /// <summary>
    /// The balance at <paramref name="now"/>, computed from the ledger alone: a credit is pending until its
    /// <c>AvailableAt</c>, then available. Spending (redemptions, negative adjustments) always comes out of the available
    /// points at once, whatever the clock of the replica that wrote it said. A reversal of pending points carries the
    /// same <c>AvailableAt</c> as what it reverses, so it cancels the pending points and never touches the available ones.
    /// </summary>
    public static PointsBalance At(IEnumerable<LedgerEntry> entries, DateTimeOffset now)
    {
        int available = 0, pending = 0, earned = 0;
        foreach (var entry in entries)
        {
            var spending = entry.Points < 0 && entry.Kind is EntryKind.Redeem or EntryKind.Adjust;
            if (spending || entry.AvailableAt <= now)
            {
                available += entry.Points;
            }
            else
            {
                pending += entry.Points;
            }
            if (entry.Kind is EntryKind.Earn or EntryKind.Reverse && entry.CreatedAt > now - RollingYear)
            {
                earned += entry.Points;
            }
        }
        return new PointsBalance(available, pending, Math.Max(0, earned));
    }

    /// <summary>
    /// The reversal of an earn entry when its purchase is refunded: all of it while still pending; once available,
    /// only what the member still has (points already redeemed are not clawed back below zero).
    /// </summary>
    public Reversal Reverse(LedgerEntry earn, DateTimeOffset now)
    {
        if (earn.AvailableAt > now)
        {
            return new Reversal(earn.Points, earn.AvailableAt, 0);
        }
        var recovered = Math.Clamp(Available, 0, earn.Points);
        return new Reversal(recovered, now, earn.Points - recovered);
    }

    /// <summary>Whether <paramref name="points"/> can be redeemed: a positive multiple of the step, within the available balance.</summary>
    public RedemptionCheck CheckRedemption(int points, int step) => points <= 0 || points % step != 0
        ? RedemptionCheck.NotAMultipleOfStep
        : points > Available ? RedemptionCheck.InsufficientPoints : RedemptionCheck.Allowed;
}

/// <param name="Points">Points taken back (a positive number; the entry records its negative).</param>
/// <param name="Unrecovered">Points earned by the purchase that had already been spent.</param>
internal sealed record Reversal(int Points, DateTimeOffset AvailableAt, int Unrecovered);

internal enum RedemptionCheck { Allowed, NotAMultipleOfStep, InsufficientPoints }
