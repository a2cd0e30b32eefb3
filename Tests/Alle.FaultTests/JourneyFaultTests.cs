using Alle.FaultTests.Scenarios;
using Alle.Testing.Accounting;
using Xunit.Abstractions;

namespace Alle.FaultTests;

/// <summary>A journey's texts going out while Messaging is SIGKILLed again and again.</summary>
[Collection(FaultCollection.Name)]
public sealed class JourneyFaultTests(FaultFixture app, ITestOutputHelper output)
{
    private const int Kills = 2;

    private const int Entries = 40;

    /// <summary>Messaging's send loops per process: each has at most one request on its way to the provider.</summary>
    private const int DispatchLoops = 16;

    [Fact]
    public async Task Every_member_gets_one_text_and_none_gets_two_while_messaging_is_killed()
    {
        var tallies = await new JourneyScenario(app, output.WriteLine).RunAsync(new JourneyOptions { Entries = Entries, Kills = Kills });

        output.WriteLine(DeliveryTable.Format(tallies));
        Assert.All(tallies, tally => Assert.True(tally.Holds && tally.Acknowledged == Entries, $"{tally.Fault} in {tally.CheckedIn}: {tally}"));
        // A text on its way to the provider at a kill stays unconfirmed rather than risk a second one: at most one per loop per kill.
        Assert.InRange(tallies.Sum(t => t.InDoubt), 0, Kills * DispatchLoops);
    }
}
