using System.Diagnostics;
using System.Globalization;
using Alle.Bench;
using Alle.FaultTests.Scenarios;
using Alle.Testing.Accounting;

// The long fault suite: the fault tests' scenarios at full size, on one application with the shipped settings.
var events = Argument("--events", 100_000);
var rate = Argument("--rate", 400);
var brokerOutage = TimeSpan.FromSeconds(Argument("--broker-outage", 120));
var postgresOutage = TimeSpan.FromSeconds(Argument("--postgres-outage", 60));
var ingestionOutage = TimeSpan.FromSeconds(Argument("--ingestion-outage", 180));
var cacheOutage = TimeSpan.FromSeconds(Argument("--cache-outage", 60));
var members = Argument("--members", 50);
var journeyEntries = Argument("--journey-entries", 1_000);
var kills = Argument("--kills", 5);
var only = args.SkipWhile(a => a != "--only").Skip(1).FirstOrDefault()?.Split(',') ?? ["stream", "facts", "journey", "cache"];
var logs = args.SkipWhile(a => a != "--logs").Skip(1).FirstOrDefault()
    ?? Path.Combine("/var/tmp", "alle-faults", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));

var app = await BenchApplication.StartAsync();
var clock = Stopwatch.StartNew();
void Log(string line) => Console.Error.WriteLine($"[{clock.Elapsed:hh\\:mm\\:ss}] {line}");
var tallies = new List<DeliveryTally>();
var notes = new List<string>();
var exitCode = 0;
try
{
    if (only.Contains("stream"))
    {
        tallies.AddRange(await new EventStreamScenario(app, Log).RunAsync(new EventStreamOptions
        {
            Faults =
            [
                new Kill("gateway"),
                new Kill("ingestion"),
                new Kill("profiles"),
                new Kill("audiences"),
                new Kill("eventbus"),
                new Kill("postgres"),
                new Kill("cache"),
                new Outage("eventbus", brokerOutage),
                new Outage("postgres", postgresOutage),
                new Outage("cache", cacheOutage),
            ],
            EventsPerSecond = rate,
            Senders = 8,
            UsersPerFault = 20,
            MinimumEvents = events,
            Settle = TimeSpan.FromSeconds(10),
            CatchUp = TimeSpan.FromMinutes(15),
        }));
    }
    if (only.Contains("facts"))
    {
        foreach (var outage in new[] { new Outage("ingestion", ingestionOutage), new Outage("eventbus", brokerOutage) })
        {
            var findings = await new ServiceFactsScenario(app, Log).RunAsync(new ServiceFactsOptions { Outage = outage, Members = members, CatchUp = TimeSpan.FromMinutes(5) });
            tallies.AddRange(findings.Tallies);
            notes.Add($"{outage.Name}: the first fact recorded waited {findings.LongestWait.TotalSeconds:0} s in its outbox.");
        }
    }
    if (only.Contains("journey"))
    {
        tallies.AddRange(await new JourneyScenario(app, Log).RunAsync(new JourneyOptions { Entries = journeyEntries, Kills = kills, CatchUp = TimeSpan.FromMinutes(10) }));
    }
    if (only.Contains("cache"))
    {
        var findings = await new CacheLossScenario(app, Log).RunAsync(new CacheLossOptions { Hold = cacheOutage, Events = 2_000 });
        tallies.AddRange(findings.Tallies);
        notes.Add($"cache down {cacheOutage.TotalSeconds:0} s: a trait read '{findings.TraitBefore}' before, '{findings.TraitDuringOutage}' during and " +
            $"'{findings.TraitAfterOutage}' after the outage; marketing texts to one member (cap 3): {string.Join(", ", findings.MarketingOutcomes)} " +
            $"(expected {string.Join(", ", CacheLossScenario.ExpectedMarketingOutcomes)}).");
        if (!findings.MarketingOutcomes.SequenceEqual(CacheLossScenario.ExpectedMarketingOutcomes) || findings.TraitAfterOutage != "during")
        {
            exitCode = 1;
        }
    }
}
catch (Exception exception)
{
    Log($"the run failed: {exception}");
    exitCode = 2;
}
finally
{
    await app.SaveLogsAsync(logs);
    Log($"each resource's console log is in {logs}");
    await app.StopAsync();
}

Console.WriteLine();
Console.WriteLine($"Fault suite, {clock.Elapsed.TotalMinutes:0.0} min (load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} at the end):");
Console.WriteLine();
Console.Write(DeliveryTable.Format(tallies));
Console.WriteLine();
foreach (var note in notes)
{
    Console.WriteLine(note);
}
if (tallies.Any(t => !t.Holds))
{
    Console.WriteLine("Something was lost, doubled or made up.");
    exitCode = Math.Max(exitCode, 1);
}
return exitCode;

int Argument(string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
}
