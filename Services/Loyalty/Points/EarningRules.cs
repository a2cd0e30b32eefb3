namespace Alle.Loyalty.Points;

/// <summary>One treatment on a purchase: the product and what was paid for it.</summary>
internal sealed record Treatment(string Product, decimal Amount);

internal sealed record EarningLine(string Product, int BasePoints, decimal Multiplier, string? PromotionId, int Points);

/// <param name="Points">What the member is credited: the lines' sum, cut down to what the annual cap still allows.</param>
/// <param name="PointsOverCap">What the lines earned beyond the cap (not credited).</param>
internal sealed record Earning(IReadOnlyList<EarningLine> Lines, int BasePoints, int Points, int PointsOverCap);

/// <summary>
/// The program's earning rules: each product on a visit earns its points once (or per dollar for retail products),
/// the best promotion running at the time of purchase multiplies them, and the annual cap limits the total.
/// </summary>
internal sealed class EarningRules(PointsOptions options)
{
    public bool IsKnownProduct(string product) => options.Products.ContainsKey(product);

    /// <param name="promotions">Promotions from configuration and from the rules API.</param>
    /// <param name="earnedInRollingYear">Points the member earned (net of reversals) in the 365 days before the purchase.</param>
    public Earning Calculate(IReadOnlyList<Treatment> treatments, DateTimeOffset purchasedAt, IEnumerable<Promotion> promotions, int earnedInRollingYear)
    {
        var running = promotions.Where(p => purchasedAt >= p.StartsAt && purchasedAt < p.EndsAt).ToList();
        var lines = new List<EarningLine>();

        // Points per visit: a product earns once per visit however many syringes or units were used.
        foreach (var visit in treatments.GroupBy(t => t.Product, StringComparer.Ordinal))
        {
            var rule = options.Products[visit.Key];
            var basePoints = rule.PointsPerVisit + (int)Math.Floor(rule.PointsPerDollar * visit.Sum(t => Math.Max(0, t.Amount)));
            var best = running.Where(p => p.AppliesTo(visit.Key, purchasedAt)).MaxBy(p => p.Multiplier);
            var multiplier = best?.Multiplier ?? 1m;
            lines.Add(new EarningLine(visit.Key, basePoints, multiplier, best?.Id, (int)Math.Floor(basePoints * multiplier)));
        }

        var earned = lines.Sum(line => line.Points);
        var allowed = Math.Max(0, options.AnnualCap - Math.Max(0, earnedInRollingYear));
        var credited = Math.Min(earned, allowed);
        return new Earning(lines, lines.Sum(line => line.BasePoints), credited, earned - credited);
    }
}
