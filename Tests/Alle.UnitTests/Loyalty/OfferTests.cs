using Alle.Loyalty;
using Alle.Loyalty.Offers;
using Microsoft.Extensions.Configuration;

namespace Alle.UnitTests.Loyalty;

public sealed class OfferTests
{
    private static readonly DateTimeOffset s_now = new(2026, 6, 1, 9, 0, 0, TimeSpan.Zero);

    private static Offer Offer(string? audience = null, bool active = true, int validDays = 30, params string[] providers) => new(
        Guid.NewGuid(), providers.Length > 0 ? OfferKind.Flash : OfferKind.Standard, "$50 off", null, 50m, [], providers, audience,
        s_now.AddDays(-1), s_now.AddDays(10), validDays, active, s_now.AddDays(-2));

    [Fact]
    public void Eligibility_depends_on_state_window_and_audience()
    {
        var none = new HashSet<string>();
        Assert.Equal(OfferEligibility.Eligible, Offer().EligibilityFor(none, s_now));
        Assert.Equal(OfferEligibility.Inactive, Offer(active: false).EligibilityFor(none, s_now));
        Assert.Equal(OfferEligibility.NotStarted, Offer().EligibilityFor(none, s_now.AddDays(-2)));
        Assert.Equal(OfferEligibility.Ended, Offer().EligibilityFor(none, s_now.AddDays(10)));
        Assert.Equal(OfferEligibility.NotInAudience, Offer("searched-no-redemption").EligibilityFor(none, s_now));
        Assert.Equal(OfferEligibility.Eligible, Offer("searched-no-redemption").EligibilityFor(new HashSet<string> { "searched-no-redemption" }, s_now));
    }

    [Fact]
    public void A_coupon_expires_after_its_validity_but_never_after_the_offer()
    {
        Assert.Equal(s_now.AddDays(7), Offer(validDays: 7).CouponExpiry(s_now));
        Assert.Equal(s_now.AddDays(10), Offer(validDays: 30).CouponExpiry(s_now));
    }

    [Fact]
    public void Flash_offers_are_redeemable_only_at_their_providers()
    {
        Assert.True(Offer(providers: "prv_a").RedeemableAt("prv_a"));
        Assert.False(Offer(providers: "prv_a").RedeemableAt("prv_b"));
        Assert.True(Offer().RedeemableAt("prv_b"));
    }

    [Fact]
    public void The_shipped_program_configuration_is_valid()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(root.FullName, "Alle.Aspire.sln")))
        {
            root = root.Parent ?? throw new InvalidOperationException("Run from inside the repository.");
        }
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(root.FullName, "Services", "Loyalty", "appsettings.json"), optional: false)
            .Build();
        var options = configuration.GetSection(LoyaltyOptions.Section).Get<LoyaltyOptions>()!;

        Assert.Empty(options.Validate());
        Assert.Equal(200, options.Points.Products["botox-cosmetic"].PointsPerVisit);
        Assert.Equal(500, options.Points.Products["natrelle"].PointsPerVisit);
        Assert.InRange(options.Points.PendingHold, TimeSpan.FromHours(24), TimeSpan.FromHours(48));
        Assert.Contains(options.Tiers, tier => tier.Threshold == 1500);
    }

    [Fact]
    public void Configuration_mistakes_are_reported()
    {
        var options = new LoyaltyOptions();
        options.Points.PendingHold = TimeSpan.FromDays(60);
        options.Tiers.Add(new Alle.Loyalty.Tiers.TierDefinition { Key = "gold", Threshold = 750 });

        var problems = options.Validate().ToList();

        Assert.Contains(problems, p => p.Contains("PendingHold", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Products", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("base tier", StringComparison.Ordinal));
    }
}
