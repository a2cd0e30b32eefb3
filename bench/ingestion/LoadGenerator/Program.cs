using Alle.Bench;
using Alle.Bench.Ingestion;

// Usage: LoadGenerator [--ingestion-alone] [--track-only] [--seconds N] [--rate N[,N…]] [--concurrency N] [--batch-size N] [--warm-up-seconds N]
// Starts the whole application itself (Aspire's testing builder: fresh state folder, random ports), drives the
// Tracking API through the gateway and directly, prints a table, then stops everything and deletes the state folder.
var options = BenchOptions.Parse(args);
var results = new List<ScenarioResult>();

var app = await BenchApplication.StartAsync();
try
{
    if (options.IngestionAlone)
    {
        // Every service downstream of ingestion, stopped through Aspire: messages wait in the broker, and the figures show
        // what ingestion and its warehouse loader do with the cores to themselves.
        await app.StopServicesAsync("web", "messaging", "audiences", "loyalty", "profiles", "destinations");
        Console.Error.WriteLine("stopped web, messaging, audiences, loyalty, profiles and destinations: measuring ingestion alone");
    }
    var gateway = app.Endpoint("gateway");
    var direct = app.Endpoint("ingestion");
    var target = new BenchTarget(app.WriteKey("portal"), app.ConnectionString("warehousedb"), app.Cpu);
    Console.Error.WriteLine($"gateway {gateway}, ingestion {direct}");

    // An unrecorded pass of every scenario first: without it the first scenario pays for JIT tiering, connection pools
    // and cold PostgreSQL pages in every process (measured: the first batch run at ~60 % of the same run repeated).
    var warmUp = options with { Seconds = options.WarmUpSeconds };
    foreach (var url in new[] { gateway, direct })
    {
        Console.Error.WriteLine($"warming up against {url} ({options.WarmUpSeconds} s of each scenario)…");
        if (!options.TrackOnly)
        {
            await BatchThroughput.RunAsync("warm-up", url, warmUp, target);
        }
        await FixedRateLatency.RunAsync("warm-up", url, options.Rates[0], warmUp, target);
    }

    foreach (var (name, url) in options.TrackOnly ? [] : new[] { ("gateway", gateway), ("direct", direct) })
    {
        Console.Error.WriteLine($"batch throughput via {name} ({options.Seconds} s)…");
        results.Add(await BatchThroughput.RunAsync(name, url, options, target));
    }
    foreach (var rate in options.Rates)
    {
        foreach (var (name, url) in new[] { ("gateway", gateway), ("direct", direct) })
        {
            Console.Error.WriteLine($"single /v1/track at {rate} req/s via {name} ({options.Seconds} s)…");
            results.Add(await FixedRateLatency.RunAsync(name, url, rate, options, target));
        }
    }
}
finally
{
    await app.StopAsync();
}

Report.Print(results);
