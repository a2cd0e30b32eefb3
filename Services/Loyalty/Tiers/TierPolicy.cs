namespace Alle.Loyalty.Tiers;

internal sealed class TierDefinition
{
    public string Key { get; set; } = "";
    public string Name { get; set; } = "";

    /// <summary>Points earned in a rolling 12 months needed to hold this tier.</summary>
    public int Threshold { get; set; }

    public List<string> Benefits { get; set; } = [];
}

/// <summary>Tiers by points earned in the rolling 12 months, thresholds from configuration.</summary>
internal sealed class TierPolicy(IReadOnlyList<TierDefinition> tiers)
{
    private readonly IReadOnlyList<TierDefinition> _ascending = tiers.OrderBy(tier => tier.Threshold).ToList();

    public TierDefinition Base => _ascending[0];

    public TierDefinition For(int pointsInRollingYear) => _ascending.Last(tier => tier.Threshold <= pointsInRollingYear);

    public TierDefinition? Next(int pointsInRollingYear) => _ascending.FirstOrDefault(tier => tier.Threshold > pointsInRollingYear);

    public TierDefinition? Find(string key) => _ascending.FirstOrDefault(tier => tier.Key == key);

    public IReadOnlyList<TierDefinition> All => _ascending;
}
