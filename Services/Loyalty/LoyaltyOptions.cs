using Alle.Loyalty.Points;
using Alle.Loyalty.Tiers;

namespace Alle.Loyalty;

/// <summary>The program's configuration (section <c>Loyalty</c>): earning rules, tiers and operating intervals.</summary>
internal sealed class LoyaltyOptions
{
    public const string Section = "Loyalty";

    /// <summary>The provider key (<c>Loyalty:ProviderKey</c>) that provider systems present on their endpoints.</summary>
    public string? ProviderKey { get; set; }

    public PointsOptions Points { get; set; } = new();

    public List<TierDefinition> Tiers { get; set; } = [];

    public MemberOptions Members { get; set; } = new();

    public CheckInOptions CheckIns { get; set; } = new();


    public MaturationOptions Maturation { get; set; } = new();

    /// <summary>Configuration mistakes that must stop the service at start rather than mis-credit points.</summary>
    public IEnumerable<string> Validate()
    {
        if (Points.PendingHold < TimeSpan.Zero || Points.PendingHold > TimeSpan.FromDays(30))
        {
            yield return "Loyalty:Points:PendingHold must be between 0 and 30 days (the program uses 24-48 hours).";
        }
        if (Points.AnnualCap <= 0)
        {
            yield return "Loyalty:Points:AnnualCap must be positive.";
        }
        if (Points.RedemptionStep <= 0 || Points.RedemptionStepValue <= 0)
        {
            yield return "Loyalty:Points:RedemptionStep and RedemptionStepValue must be positive.";
        }
        if (Points.Products.Count == 0)
        {
            yield return "Loyalty:Points:Products must list at least one product.";
        }
        foreach (var (key, product) in Points.Products)
        {
            if (product.PointsPerVisit < 0 || product.PointsPerDollar < 0 || (product.PointsPerVisit == 0 && product.PointsPerDollar == 0))
            {
                yield return $"Loyalty:Points:Products:{key} must earn PointsPerVisit or PointsPerDollar.";
            }
        }
        foreach (var promotion in Points.Promotions)
        {
            if (promotion.Multiplier < 1 || promotion.EndsAt <= promotion.StartsAt)
            {
                yield return $"Loyalty:Points:Promotions:{promotion.Id} needs a multiplier of at least 1 and an end after its start.";
            }
        }
        if (CheckIns.RepeatInterval < TimeSpan.Zero || CheckIns.VisitLength < TimeSpan.Zero)
        {
            yield return "Loyalty:CheckIns:RepeatInterval and VisitLength cannot be negative.";
        }
        if (Tiers.Count == 0 || Tiers.Min(tier => tier.Threshold) != 0)
        {
            yield return "Loyalty:Tiers must include a base tier with Threshold 0.";
        }
        if (Tiers.Select(tier => tier.Key).Distinct(StringComparer.Ordinal).Count() != Tiers.Count)
        {
            yield return "Loyalty:Tiers keys must be unique.";
        }
    }
}

internal sealed class MemberOptions
{
    public string DefaultConsentWording { get; set; } = "";

    /// <summary>Lifetime of the member token returned by enrolment.</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(1);
}

internal sealed class CheckInOptions
{
    /// <summary>No second check-in at the same provider within this period (one visit, one Flash Reward).</summary>
    public TimeSpan RepeatInterval { get; set; } = TimeSpan.FromHours(2);

    /// <summary>How long a check-in stands: meanwhile she cannot check in at another provider.</summary>
    public TimeSpan VisitLength { get; set; } = TimeSpan.FromHours(1);
}

internal sealed class MaturationOptions
{
    /// <summary>How often matured points are announced (balances themselves are exact at any instant).</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often tiers are reviewed for points that left the rolling 12-month window.</summary>
    public TimeSpan TierReviewInterval { get; set; } = TimeSpan.FromHours(1);
}
