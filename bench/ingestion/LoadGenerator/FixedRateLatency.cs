using System.Collections.Concurrent;
using System.Diagnostics;

namespace Alle.Bench.Ingestion;

/// <summary>
/// (b) Latency of single /v1/track calls at a fixed rate. Open loop: each request is due at its slot and its latency is
/// measured from that slot, so a slow response cannot hide the requests queued behind it (no coordinated omission).
/// The schedule is the shared <see cref="OpenLoop"/> one: a sender thread that sleeps, rather than spins, until each slot.
/// </summary>
internal static class FixedRateLatency
{
    public static async Task<ScenarioResult> RunAsync(string via, Uri target, int rate, BenchOptions options, BenchTarget app)
    {
        var runId = $"l{Guid.NewGuid():N}"[..12] + "-";
        using var client = Requests.Client(target, app.WriteKey, 256);
        await Warm.UpAsync(() => client.PostAsync("/v1/track", Requests.Track("warmup-")), 200);

        var total = rate * options.Seconds;
        var latencies = new ConcurrentBag<double>();
        long failures = 0;
        var failureKinds = new System.Collections.Concurrent.ConcurrentDictionary<string, long>();
        var cpuBefore = app.Cpu.Sample();
        var clock = Stopwatch.StartNew();
        await OpenLoop.RunAsync(total, rate, (_, due) => SendAsync(due));
        var elapsed = clock.Elapsed;
        var cpuUsed = app.Cpu.Since(cpuBefore, elapsed);

        async Task SendAsync(long due)
        {
            using var content = Requests.Track(runId);
            try
            {
                using var response = await client.PostAsync("/v1/track", content);
                if (response.IsSuccessStatusCode)
                {
                    latencies.Add(Stopwatch.GetElapsedTime(due).TotalMilliseconds);
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

        var sorted = latencies.Order().ToList();
        return new ScenarioResult($"track at {rate}/s", via, sorted.Count, sorted.Count, failures, sorted.Count / elapsed.TotalSeconds,
            Percentiles.Of(sorted, 0.50), Percentiles.Of(sorted, 0.99), sorted.Count == 0 ? 0 : sorted[^1], null, cpuUsed, new Dictionary<string, long>(failureKinds));
    }
}
