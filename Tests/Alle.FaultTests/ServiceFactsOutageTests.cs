using Alle.FaultTests.Scenarios;
using Alle.Testing.Accounting;
using Xunit.Abstractions;

namespace Alle.FaultTests;

/// <summary>
/// Ingestion down longer than any retry budget the services ever had, while Messaging and Loyalty record facts for it.
/// </summary>
[Collection(FaultCollection.Name)]
public sealed class ServiceFactsOutageTests(FaultFixture app, ITestOutputHelper output)
{
    /// <summary>
    /// Ingestion stays down 30 s, past the services' whole HTTP retry budget (the resilience handler's 30 s) so only the
    /// outbox can carry the facts across; the facts are recorded in its first seconds and each waits nearly all of it.
    /// The relay Messaging had before the shared outbox abandoned a row after 50 attempts a second apart; the long
    /// version (bench/faults/run.sh, 180 s by default) is the one that outlasts it.
    /// </summary>
    [Fact]
    public async Task Facts_recorded_while_ingestion_is_down_arrive_exactly_once()
    {
        var findings = await new ServiceFactsScenario(app, output.WriteLine).RunAsync(new ServiceFactsOptions
        {
            Outage = new Outage("ingestion", TimeSpan.FromSeconds(30)),
            Members = 4,
        });

        output.WriteLine(DeliveryTable.Format(findings.Tallies));
        Assert.True(findings.LongestWait > TimeSpan.FromSeconds(20), $"the first fact waited only {findings.LongestWait.TotalSeconds:0} s");
        Assert.All(findings.Tallies, tally => Assert.True(tally.Holds && tally.Sent > 0, $"{tally.Fault} in {tally.CheckedIn}: {tally}"));
    }
}
