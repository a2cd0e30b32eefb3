using Alle.FaultTests.Scenarios;
using Alle.Testing.Accounting;
using Xunit.Abstractions;

namespace Alle.FaultTests;

/// <summary>
/// Events through the gateway from SDK-style senders while, in turn, ingestion, Profiles, RabbitMQ, PostgreSQL and Redis
/// are SIGKILLed (the AppHost restarts each): every acknowledged event is in the warehouse, on its user's timeline and in
/// her event counter exactly once, and nothing else is.
/// </summary>
[Collection(FaultCollection.Name)]
public sealed class EventStreamFaultTests(FaultFixture app, ITestOutputHelper output)
{
    [Fact]
    public async Task Acknowledged_events_are_stored_exactly_once_through_kills_of_services_and_servers()
    {
        var tallies = await new EventStreamScenario(app, output.WriteLine).RunAsync(new EventStreamOptions
        {
            Faults =
            [
                new Kill("ingestion"),
                new Kill("profiles"),
                new Kill("eventbus"),
                new Kill("postgres"),
                new Kill("cache"),
            ],
            EventsPerSecond = 60,
            BurstBeforeEachFault = 300,
            Settle = TimeSpan.FromSeconds(1),
        });

        output.WriteLine(DeliveryTable.Format(tallies));
        Assert.All(tallies, tally => Assert.True(tally.Holds, $"{tally.Fault} in {tally.CheckedIn}: {tally}"));
        Assert.All(tallies.Where(t => t.CheckedIn == "warehouse"), tally => Assert.True(tally.Acknowledged > 0, $"nothing acknowledged during {tally.Fault}"));
        Assert.True(tallies.Where(t => t.CheckedIn == "warehouse").Sum(t => t.Acknowledged) >= 2_000);
    }
}
