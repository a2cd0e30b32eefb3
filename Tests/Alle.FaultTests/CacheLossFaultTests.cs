using Alle.FaultTests.Scenarios;
using Alle.Testing.Accounting;
using Xunit.Abstractions;

namespace Alle.FaultTests;

/// <summary>Redis stopped for a while: nothing is lost, and caches and counters fall back as the README documents.</summary>
[Collection(FaultCollection.Name)]
public sealed class CacheLossFaultTests(FaultFixture app, ITestOutputHelper output)
{
    [Fact]
    public async Task Losing_redis_loses_no_event_serves_no_stale_trait_and_lets_no_text_past_the_cap()
    {
        var findings = await new CacheLossScenario(app, output.WriteLine).RunAsync(new CacheLossOptions { Hold = TimeSpan.FromSeconds(5), Events = 100 });

        output.WriteLine(DeliveryTable.Format(findings.Tallies));
        Assert.All(findings.Tallies, tally => Assert.True(tally.Holds && tally.Acknowledged > 0, $"{tally.Fault} in {tally.CheckedIn}: {tally}"));
        Assert.Equal(("before", "during", "during"), (findings.TraitBefore, findings.TraitDuringOutage, findings.TraitAfterOutage));
        Assert.Equal(CacheLossScenario.ExpectedMarketingOutcomes, findings.MarketingOutcomes);
    }
}
