namespace Alle.Loyalty.Points;

internal sealed class PointsOptions
{
    /// <summary>How long new points stay pending (the provider may still cancel the purchase) before they are available.</summary>
    public TimeSpan PendingHold { get; set; } = TimeSpan.FromHours(48);

    /// <summary>The most points a member can earn in a rolling year (365 days).</summary>
    public int AnnualCap { get; set; } = 5000;

    /// <summary>Points are redeemed in multiples of this many points…</summary>
    public int RedemptionStep { get; set; } = 100;

    /// <summary>…each worth this many dollars off a treatment.</summary>
    public decimal RedemptionStepValue { get; set; } = 10m;

    public Dictionary<string, ProductRule> Products { get; set; } = new(StringComparer.Ordinal);

    public List<Promotion> Promotions { get; set; } = [];
}

/// <summary>How a product earns: a fixed number of points per treatment visit, or points per dollar spent.</summary>
internal sealed class ProductRule
{
    public string Name { get; set; } = "";
    public string Category { get; set; } = "";
    public int PointsPerVisit { get; set; }
    public decimal PointsPerDollar { get; set; }
}

/// <summary>A time-boxed multiplier on some products (all products when <see cref="Products"/> is empty).</summary>
internal sealed class Promotion
{
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";
    public List<string> Products { get; set; } = [];
    public decimal Multiplier { get; set; } = 1m;
    public DateTimeOffset StartsAt { get; set; }
    public DateTimeOffset EndsAt { get; set; }

    public bool AppliesTo(string product, DateTimeOffset at) =>
        at >= StartsAt && at < EndsAt && (Products.Count == 0 || Products.Contains(product, StringComparer.Ordinal));
}
