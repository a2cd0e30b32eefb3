using Alle.Loyalty.Points;

namespace Alle.UnitTests.Loyalty;

public sealed class EarningRulesTests
{
    private static readonly DateTimeOffset s_purchasedAt = new(2026, 3, 10, 15, 0, 0, TimeSpan.Zero);

    private static PointsOptions Options() => new()
    {
        AnnualCap = 5000,
        Products =
        {
            ["botox-cosmetic"] = new ProductRule { Name = "BOTOX Cosmetic", PointsPerVisit = 200 },
            ["juvederm"] = new ProductRule { Name = "JUVEDERM", PointsPerVisit = 200 },
            ["natrelle"] = new ProductRule { Name = "Natrelle", PointsPerVisit = 500 },
            ["skinmedica"] = new ProductRule { Name = "SkinMedica", PointsPerDollar = 1m },
        },
    };

    private static Promotion Promotion(string id, decimal multiplier, params string[] products) => new()
    {
        Id = id, Name = id, Multiplier = multiplier, Products = [.. products],
        StartsAt = s_purchasedAt.AddDays(-1), EndsAt = s_purchasedAt.AddDays(1),
    };

    [Fact]
    public void A_product_earns_its_points_once_per_visit_however_many_units_were_used()
    {
        var earning = new EarningRules(Options()).Calculate(
            [new Treatment("botox-cosmetic", 300m), new Treatment("botox-cosmetic", 250m), new Treatment("natrelle", 6000m)], s_purchasedAt, [], 0);

        Assert.Equal(700, earning.Points);
        Assert.Equal(200, earning.Lines.Single(l => l.Product == "botox-cosmetic").Points);
        Assert.Equal(500, earning.Lines.Single(l => l.Product == "natrelle").Points);
    }

    [Fact]
    public void Retail_products_earn_per_whole_dollar()
    {
        var earning = new EarningRules(Options()).Calculate([new Treatment("skinmedica", 129.99m)], s_purchasedAt, [], 0);

        Assert.Equal(129, earning.Points);
    }

    [Fact]
    public void The_best_running_promotion_for_a_product_multiplies_its_points()
    {
        var promotions = new[] { Promotion("fillers-2x", 2m, "juvederm"), Promotion("all-1.5x", 1.5m), Promotion("fillers-3x", 3m, "juvederm") };

        var earning = new EarningRules(Options()).Calculate([new Treatment("juvederm", 700m), new Treatment("botox-cosmetic", 400m)], s_purchasedAt, promotions, 0);

        var filler = earning.Lines.Single(l => l.Product == "juvederm");
        Assert.Equal((600, "fillers-3x"), (filler.Points, filler.PromotionId));
        var toxin = earning.Lines.Single(l => l.Product == "botox-cosmetic");
        Assert.Equal((300, "all-1.5x"), (toxin.Points, toxin.PromotionId));
        Assert.Equal(400, earning.BasePoints);
        Assert.Equal(900, earning.Points);
    }

    [Fact]
    public void A_promotion_outside_its_dates_does_not_apply()
    {
        var ended = Promotion("ended", 2m);
        ended.StartsAt = s_purchasedAt.AddDays(-10);
        ended.EndsAt = s_purchasedAt;

        var earning = new EarningRules(Options()).Calculate([new Treatment("juvederm", 700m)], s_purchasedAt, [ended], 0);

        Assert.Equal(200, earning.Points);
        Assert.Null(earning.Lines.Single().PromotionId);
    }

    [Fact]
    public void The_annual_cap_limits_what_is_credited_and_reports_the_excess()
    {
        var rules = new EarningRules(Options());

        var nearCap = rules.Calculate([new Treatment("natrelle", 6000m)], s_purchasedAt, [], earnedInRollingYear: 4800);
        var atCap = rules.Calculate([new Treatment("botox-cosmetic", 400m)], s_purchasedAt, [], earnedInRollingYear: 5000);

        Assert.Equal((200, 300), (nearCap.Points, nearCap.PointsOverCap));
        Assert.Equal((0, 200), (atCap.Points, atCap.PointsOverCap));
    }
}
