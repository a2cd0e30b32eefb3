using Alle.Bench.All.Load;
using Alle.Bench.All.Reporting;

namespace Alle.Bench.All.Scenarios;

/// <summary>
/// Single <c>/v1/track</c> calls through the gateway at a fixed rate (open loop, latency from each call's due time),
/// with the whole application running and processing what they send; set against Kestrel's <c>/alive</c> at the same rate.
/// </summary>
internal static class TrackLatencyScenario
{
    public static async Task RunAsync(BenchRun run, int rate, double p99TargetMs, bool no503Target)
    {
        var name = $"track at {rate:N0}/s";
        using var traffic = new TrackingTraffic(run.App.Endpoint("gateway"), run.App.WriteKey("mobile"), $"t{rate}{Guid.NewGuid():N}"[..12] + "-", connections: 256);
        await traffic.WarmUpAsync(200);
        await traffic.RunAsync(rate, 1, TimeSpan.FromSeconds(2));
        await run.Queues.WaitUntilEmptyAsync(TimeSpan.FromMinutes(2));
        Console.Error.WriteLine($"{name}: single /v1/track calls through the gateway for {run.ScenarioDuration.TotalSeconds:0} s…");
        var result = await run.MeasureCoresAsync(name, () => traffic.RunAsync(rate, 1, run.ScenarioDuration));
        var floor = run.Baselines.Alive.TryGetValue(rate, out var alive) ? alive.P99 : (double?)null;
        var p99 = Percentiles.Of(result.Latencies, 0.99);
        run.Add(new Result(name, $"p99 ms of {result.AcceptedCalls:N0} accepted (p50 {Percentiles.Of(result.Latencies, 0.50):0.00} ms)",
            p99, "ms", $"p99 < {p99TargetMs:0} ms", floor, "/alive p99", p99 < p99TargetMs));
        run.Add(new Result(name, $"503 answers (failed calls: {result.FailureSummary})", result.Unavailable, "",
            no503Target ? "0" : "reported", null, "", no503Target ? result.Unavailable == 0 : null));
    }
}
