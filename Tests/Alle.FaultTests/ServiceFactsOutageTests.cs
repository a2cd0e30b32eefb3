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
    /// The outbox relay Messaging had before the shared one tried a row once per pass — a pass at least every second
    /// while ingestion refused the connection — and abandoned it after 50 attempts: a fact recorded at the start of an
    /// outage was stranded for good about 50 s in. Ingestion stays down 70 s, and the facts are recorded in its first
    /// seconds, so every one of them outlives that budget with margin for slow passes; on that relay the
    /// <c>SMS Received</c> facts never reach the warehouse and this test fails.
    /// </summary>
    [Fact]
    public async Task Facts_recorded_while_ingestion_is_down_for_70_seconds_arrive_exactly_once()
    {
        var findings = await new ServiceFactsScenario(app, output.WriteLine).RunAsync(new ServiceFactsOptions
        {
            Outage = new Outage("ingestion", TimeSpan.FromSeconds(70)),
            Members = 8,
        });

        output.WriteLine(DeliveryTable.Format(findings.Tallies));
        Assert.True(findings.LongestWait > TimeSpan.FromSeconds(55), $"the first fact waited only {findings.LongestWait.TotalSeconds:0} s");
        Assert.All(findings.Tallies, tally => Assert.True(tally.Holds && tally.Sent > 0, $"{tally.Fault} in {tally.CheckedIn}: {tally}"));
    }
}
