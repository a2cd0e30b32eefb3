using Alle.Bench.All.Baselines;
using Alle.Bench.All.Reporting;

namespace Alle.Bench.All.Scenarios;

/// <summary>
/// The same run's ceilings and floors, measured on the application's own servers before any scenario: binary COPY into
/// PostgreSQL, confirmed publishing to RabbitMQ (classic and quorum queues), and Kestrel's <c>/alive</c> on Ingestion
/// (directly, no gateway) at each request rate a latency scenario uses.
/// </summary>
internal static class BaselineScenario
{
    public static readonly int[] AliveRates = [1_000, 3_000];

    public static async Task RunAsync(BenchRun run)
    {
        var seconds = TimeSpan.FromSeconds(Math.Min(10, run.Options.ScenarioSeconds));
        const string Name = "baseline";

        Console.Error.WriteLine($"baseline: binary COPY into PostgreSQL, one connection, {seconds.TotalSeconds:0} s…");
        var copy = await run.MeasureCoresAsync("baseline: COPY", () => CopyBaseline.RowsPerSecondAsync(run.App.ConnectionString("warehousedb"), seconds));
        run.Baselines.CopyRowsPerSecond = copy;
        run.Add(new Result(Name, "binary COPY into PostgreSQL, one connection", copy, "rows/s", "", null, "", null));

        foreach (var queueType in new[] { "classic", "quorum" })
        {
            Console.Error.WriteLine($"baseline: confirmed persistent publishes to a {queueType} queue, {seconds.TotalSeconds:0} s…");
            var published = await run.MeasureCoresAsync($"baseline: publish ({queueType})",
                () => PublishBaseline.MessagesPerSecondAsync(run.App.ConnectionString("eventbus"), queueType, seconds));
            if (queueType == "classic")
            {
                run.Baselines.ClassicPublishesPerSecond = published;
            }
            else
            {
                run.Baselines.QuorumPublishesPerSecond = published;
            }
            run.Add(new Result(Name, $"confirmed persistent 1 KB publishes to a {queueType} queue, 256 in flight", published, "msg/s", "", null, "", null));
        }

        using var client = FixedRateGets.Client(run.App.Endpoint("ingestion"));
        await FixedRateGets.RunAsync(client, _ => "/alive", 200, TimeSpan.FromSeconds(2));
        foreach (var rate in AliveRates)
        {
            Console.Error.WriteLine($"baseline: Kestrel's /alive on ingestion at {rate:N0}/s, {run.ScenarioDuration.TotalSeconds:0} s…");
            var alive = await run.MeasureCoresAsync($"baseline: /alive at {rate:N0}/s", () => FixedRateGets.RunAsync(client, _ => "/alive", rate, run.ScenarioDuration));
            run.Baselines.Alive[rate] = (alive.Percentile(0.50), alive.Percentile(0.95), alive.Percentile(0.99));
            run.Add(new Result(Name, $"Kestrel /alive on ingestion at {rate:N0}/s: p50 {alive.Percentile(0.50):0.00} ms, p99 ({alive.Errors} errors)",
                alive.Percentile(0.99), "ms", "", null, "", null));
        }
    }
}
