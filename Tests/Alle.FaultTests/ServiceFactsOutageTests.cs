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
    /// Ingestion stays down 20 s, past the services' whole HTTP retry budget (three retries, about 15 s of backoff against
    /// a refused connection), so only the outbox carries the facts across; they are recorded in its first seconds and
    /// each waits most of it.
    /// The relay Messaging had before the shared outbox abandoned a row after 50 attempts a second apart; the long
    /// version (bench/faults/run.sh, 180 s by default) is the one that outlasts it.
    /// </summary>
    [Fact]
    public async Task Facts_recorded_while_ingestion_is_down_arrive_exactly_once()
    {
        var findings = await new ServiceFactsScenario(app, output.WriteLine).RunAsync(new ServiceFactsOptions
        {
            Outage = new Outage("ingestion", TimeSpan.FromSeconds(20)),
            Members = 3,
        });

        output.WriteLine(DeliveryTable.Format(findings.Tallies));
        Assert.True(findings.LongestWait > TimeSpan.FromSeconds(15), $"the first fact waited only {findings.LongestWait.TotalSeconds:0} s");
        Assert.All(findings.Tallies, tally => Assert.True(tally.Holds && tally.Sent > 0, $"{tally.Fault} in {tally.CheckedIn}: {tally}"));
    }
}
