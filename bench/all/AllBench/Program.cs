using System.Globalization;
using Alle.Bench;
using Alle.Bench.All;
using Alle.Bench.All.Measurement;
using Alle.Bench.All.Reporting;
using Alle.Bench.All.Scenarios;

// Every scenario of issue 18 against ONE application (fresh state, Release, random ports), each figure beside a
// baseline measured on the same machine in the same run, then one table. See bench/README.md.
var options = AllOptions.Parse(args);
const int BackgroundEventsPerSecond = 1_000;
string[] consumers = ["ingestion", "profiles", "audiences", "messaging", "loyalty", "destinations"];
var appHostArguments = options.Replicas > 1 ? consumers.Select(c => $"--AppHost:Replicas:{c}={options.Replicas}").ToArray() : [];
var startedAt = DateTimeOffset.UtcNow;
var loadAtStart = LoadAverage();

var app = await BenchApplication.StartAsync(appHostArguments: appHostArguments);
BenchRun? run = null;
var failure = "";
try
{
    await using var queues = await QueueDepths.StartAsync(app);
    Console.Error.WriteLine($"watching {queues.QueueCount} queues on the broker");
    var current = run = new BenchRun(app, queues, options);

    // Baselines come first even when --only leaves them out of the table: every ratio needs them.
    await BaselineScenario.RunAsync(current);
    if (!options.Runs("baselines"))
    {
        current.Results.Clear();
    }
    var scenarios = new (string Option, string Name, Func<Task> Run)[]
    {
        ("end-to-end", "end to end", () => EndToEndScenario.RunAsync(current, options.Replicas > 1 ? $"end to end, {options.Replicas} replicas of every consumer" : "end to end")),
        ("track", "track at 1,000/s", () => TrackLatencyScenario.RunAsync(current, 1_000, 20, no503Target: true)),
        ("track", "track at 3,000/s", () => TrackLatencyScenario.RunAsync(current, 3_000, 50, no503Target: false)),
        ("check-in", "check-in → text", () => CheckInToTextScenario.RunAsync(current, BackgroundEventsPerSecond)),
        ("profiles", "profile API", () => ProfileReadsScenario.RunAsync(current, BackgroundEventsPerSecond)),
    };
    foreach (var scenario in scenarios.Where(s => options.Runs(s.Option)))
    {
        try
        {
            await scenario.Run();
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // One scenario that cannot finish is a failed row, not a lost table: the next one still runs.
            Console.Error.WriteLine(exception);
            current.Add(new Result(scenario.Name, $"did not finish: {exception.GetType().Name}: {exception.Message.ReplaceLineEndings(" ")}", null, "", "", null, "", false));
        }
    }
}
catch (Exception exception)
{
    // What was measured before still prints; the table says where the run stopped.
    failure = $"{exception.GetType().Name}: {exception.Message}";
    Console.Error.WriteLine(exception);
}
finally
{
    await app.StopAsync();
}

var invariant = CultureInfo.InvariantCulture;
Console.WriteLine();
Console.WriteLine($"bench/run.sh {string.Join(' ', args)}: {startedAt:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, load average at start {loadAtStart}, at end {LoadAverage()}; " +
    $"end to end {options.Seconds} s at {options.Rate:N0} events/s, other scenarios {options.ScenarioSeconds} s{(options.Replicas > 1 ? $", {options.Replicas} replicas of {string.Join(", ", consumers)}" : "")}.");
Console.WriteLine();
if (run is not null)
{
    Console.WriteLine(ResultTable.Markdown(run.Results));
    Console.WriteLine();
    Console.WriteLine($"Cores busy on average per process during each scenario ({Environment.ProcessorCount} cores; \"{ResourceCpu.Generator}\" is this process):");
    Console.WriteLine();
    Console.WriteLine(ResultTable.Cores(run.Cores));
    if (run.Memory.Count > 0)
    {
        Console.WriteLine();
        Console.WriteLine("Resident memory (RSS, MB; a resource's instances and their child processes) when the end-to-end load ended:");
        Console.WriteLine();
        Console.WriteLine("| " + string.Join(" | ", run.Memory.Keys) + " | all |");
        Console.WriteLine("|" + string.Concat(run.Memory.Keys.Select(_ => "---:|")) + "---:|");
        Console.WriteLine("| " + string.Join(" | ", run.Memory.Values.Select(v => v.ToString("N0", invariant))) + $" | {run.Memory.Values.Sum().ToString("N0", invariant)} |");
    }
    if (run.Statements is { } statements)
    {
        Console.WriteLine();
        Console.WriteLine("Where PostgreSQL spent its execution time during the end-to-end run (pg_stat_statements, every database; per event stored):");
        Console.WriteLine();
        Console.WriteLine(statements);
    }
}
if (failure.Length > 0)
{
    Console.WriteLine();
    Console.WriteLine($"The run stopped early: {failure}");
    return 1;
}
return run!.Results.Any(r => r.Passed == false) ? 2 : 0;

static string LoadAverage() => string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
