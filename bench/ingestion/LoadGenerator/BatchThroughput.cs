using System.Diagnostics;
using Npgsql;

namespace Alle.Bench.Ingestion;

/// <summary>
/// (a) Sustained events per second with /v1/batch: concurrent clients send batches back to back; an event counts once
/// its request is acknowledged (2xx = committed to PostgreSQL). Afterwards it measures how long the warehouse takes to
/// hold every acknowledged event (the asynchronous half of the pipeline).
/// </summary>
internal static class BatchThroughput
{
    public static async Task<ScenarioResult> RunAsync(string via, Uri target, BenchOptions options, BenchTarget app)
    {
        var runId = $"b{Guid.NewGuid():N}"[..12] + "-";
        using var client = Requests.Client(target, app.WriteKey, options.Concurrency);
        await WarmUpAsync(client, options);

        long acknowledgedEvents = 0, failures = 0;
        var failureKinds = new System.Collections.Concurrent.ConcurrentDictionary<string, long>();
        var latencies = new List<double>[options.Concurrency];
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(options.Seconds));
        var cpuBefore = app.Cpu.Sample();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, options.Concurrency).Select(async worker =>
        {
            latencies[worker] = [];
            while (!stop.IsCancellationRequested)
            {
                using var content = Requests.Batch(runId, options.BatchSize);
                var started = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await client.PostAsync("/v1/batch", content, CancellationToken.None);
                    if (response.IsSuccessStatusCode)
                    {
                        Interlocked.Add(ref acknowledgedEvents, options.BatchSize);
                        latencies[worker].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    }
                    else
                    {
                        Interlocked.Increment(ref failures);
                        failureKinds.AddOrUpdate(((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture), 1, (_, n) => n + 1);
                    }
                }
                catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
                {
                    Interlocked.Increment(ref failures);
                    failureKinds.AddOrUpdate(exception.GetType().Name, 1, (_, n) => n + 1);
                }
            }
        }));
        var elapsed = clock.Elapsed;
        var cpuUsed = app.Cpu.Since(cpuBefore, elapsed);

        var delivered = await WaitForWarehouseAsync(app.Warehouse, runId, acknowledgedEvents, clock);
        var all = latencies.SelectMany(l => l).Order().ToList();
        return new ScenarioResult($"batch of {options.BatchSize}", via, all.Count, acknowledgedEvents, failures,
            acknowledgedEvents / elapsed.TotalSeconds, Percentiles.Of(all, 0.50), Percentiles.Of(all, 0.99), all.Count == 0 ? 0 : all[^1],
            delivered is { } total ? acknowledgedEvents / total.TotalSeconds : null, cpuUsed, new Dictionary<string, long>(failureKinds));
    }

    private static Task WarmUpAsync(HttpClient client, BenchOptions options) =>
        Warm.UpAsync(() => client.PostAsync("/v1/batch", Requests.Batch("warmup-", options.BatchSize)), 20);

    /// <summary>Time from the start of the run until the warehouse holds every acknowledged event (null if it never does in 5 minutes).</summary>
    private static async Task<TimeSpan?> WaitForWarehouseAsync(string connectionString, string runId, long expected, Stopwatch clock)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var deadline = clock.Elapsed + TimeSpan.FromMinutes(5);
        while (clock.Elapsed < deadline)
        {
            await using var command = dataSource.CreateCommand("SELECT count(*) FROM tracks WHERE id LIKE $1");
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = runId + "%" });
            if ((long)(await command.ExecuteScalarAsync())! >= expected)
            {
                return clock.Elapsed;
            }
            await Task.Delay(250);
        }
        return null;
    }
}
