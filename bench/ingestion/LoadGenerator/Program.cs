using Alle.Bench.Ingestion;

// Usage: LoadGenerator --gateway URL --direct URL --write-key KEY --warehouse CONNECTIONSTRING --apphost-pid PID
//        [--seconds N] [--rate N] [--concurrency N] [--batch-size N]
var options = BenchOptions.Parse(args);
var results = new List<ScenarioResult>();
var cpu = new CpuSampler(options.AppHostPid);

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
