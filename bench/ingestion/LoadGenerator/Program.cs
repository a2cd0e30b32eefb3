using Alle.Bench.Ingestion;

// Usage: LoadGenerator --gateway URL --direct URL --write-key KEY --warehouse CONNECTIONSTRING --apphost-pid PID
//        [--seconds N] [--rate N] [--concurrency N] [--batch-size N] [--warm-up-seconds N]
var options = BenchOptions.Parse(args);
var results = new List<ScenarioResult>();
var cpu = new CpuSampler(options.AppHostPid);

// An unrecorded pass of every scenario first: without it the first scenario pays for JIT tiering, connection pools
// and cold PostgreSQL pages in every process (measured: the first batch run at ~60 % of the same run repeated).
var warmUp = options with { Seconds = options.WarmUpSeconds };
foreach (var target in new[] { options.Gateway, options.Direct })
{
    Console.Error.WriteLine($"warming up against {target} ({options.WarmUpSeconds} s of each scenario)…");
    await BatchThroughput.RunAsync("warm-up", target, warmUp, cpu);
    await FixedRateLatency.RunAsync("warm-up", target, warmUp, cpu);
}

foreach (var (name, target) in new[] { ("gateway", options.Gateway), ("direct", options.Direct) })
{
    Console.Error.WriteLine($"batch throughput via {name} ({options.Seconds} s)…");
    results.Add(await BatchThroughput.RunAsync(name, target, options, cpu));
}
foreach (var (name, target) in new[] { ("gateway", options.Gateway), ("direct", options.Direct) })
{
    Console.Error.WriteLine($"single /v1/track at {options.Rate} req/s via {name} ({options.Seconds} s)…");
    results.Add(await FixedRateLatency.RunAsync(name, target, options, cpu));
}

Report.Print(results);
