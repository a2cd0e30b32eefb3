using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using Alle.Bench;
using Alle.Testing;

// Soak: the whole application at a steady open-loop load of single /v1/track calls through the gateway; every minute
// the resident memory of each process and that minute's latency; at the end, whether memory levelled off and latency drifted.
var minutes = Argument("--minutes", 30);
var rate = Argument("--rate", 400);
var users = Argument("--users", 20_000);
string[] services = ["gateway", "ingestion", "profiles", "audiences", "messaging", "loyalty", "web", "twilio-sandbox"];
string[] servers = ["postgres", "eventbus", "cache"];

var app = await BenchApplication.StartAsync();
var run = $"soak{Guid.NewGuid():N}"[..12];
var minutesMeasured = new List<Minute>();
try
{
    var client = app.CreateTrackingClient("mobile");
    long sequence = 0;
    var latencies = new ConcurrentBag<double>();
    var failures = new ConcurrentDictionary<string, long>();

    async Task SendAsync(long due)
    {
        var i = Interlocked.Increment(ref sequence);
        try
        {
            using var response = await client.PostAsJsonAsync("/v1/track", new
            {
                messageId = $"{run}-{i}", userId = $"{run}-u{i % users}", @event = "Soak Event",
                properties = new { i, plan = "gold", path = "/providers/search" },
            });
            if (response.IsSuccessStatusCode)
            {
                latencies.Add(Stopwatch.GetElapsedTime(due).TotalMilliseconds);
            }
            else
            {
                failures.AddOrUpdate(((int)response.StatusCode).ToString(CultureInfo.InvariantCulture), 1, (_, n) => n + 1);
            }
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            failures.AddOrUpdate(exception.GetType().Name, 1, (_, n) => n + 1);
        }
    }

    Console.Error.WriteLine($"warming up for 20 s at {rate}/s…");
    await OpenLoop.RunAsync(rate * 20, rate, (_, due) => SendAsync(due));
    latencies.Clear();
    failures.Clear();

    Console.WriteLine($"Soak: {rate} /v1/track calls per second through the gateway for {minutes} min, {users:N0} users; memory is resident set (MB) at each minute's end.");
    Console.WriteLine();
    Console.WriteLine($"| minute | acknowledged | failed | p50 ms | p99 ms | {string.Join(" | ", services.Concat(servers))} | load |");
    Console.WriteLine($"|---:|---:|---:|---:|---:|{string.Concat(services.Concat(servers).Select(_ => "---:|"))}---:|");
    for (var minute = 1; minute <= minutes; minute++)
    {
        await OpenLoop.RunAsync(rate * 60, rate, (_, due) => SendAsync(due));
        var sample = latencies.ToArray();
        latencies.Clear();
        var failed = failures.ToDictionary();
        failures.Clear();
        var memory = services.ToDictionary(s => s, s => ResidentMegabytes(app.Resources.Instance(s).ProcessId));
        foreach (var server in servers)
        {
            // A server is a tree of processes sharing memory: their proportional shares add up without counting it twice.
            var root = app.Resources.Instance(server).ProcessId;
            memory[server] = ProcessTree.Descendants(root).Prepend(root).Sum(ProportionalMegabytes);
        }
        var load = File.ReadAllText("/proc/loadavg").Split(' ')[0];
        var measured = new Minute(minute, sample, failed, memory);
        minutesMeasured.Add(measured);
        Console.WriteLine($"| {minute} | {sample.Length:N0} | {(failed.Count == 0 ? "0" : string.Join(", ", failed.Select(f => $"{f.Value:N0} ({f.Key})")))} " +
            $"| {Percentiles.Of(sample, 0.5):N1} | {Percentiles.Of(sample, 0.99):N1} | {string.Join(" | ", services.Concat(servers).Select(s => memory[s].ToString("N0", CultureInfo.InvariantCulture)))} | {load} |");
    }
}
finally
{
    await app.StopAsync();
}

Console.WriteLine();
// A minute with failed calls or a process gone (no resident memory) measured something else than a steady load.
var broken = minutesMeasured.Where(m => m.Failures.Count > 0 || m.Latencies.Length == 0 || m.Memory.Values.Any(mb => mb <= 0)).ToList();
if (broken.Count > 0)
{
    Console.WriteLine($"Not a valid soak: {broken.Count} of {minutesMeasured.Count} minutes had failed calls or a process that was gone " +
        $"(minutes {string.Join(", ", broken.Select(m => m.Number))}); no conclusion about memory or latency.");
    return 1;
}
if (minutesMeasured.Count >= 3)
{
    // Memory levels off when the second half of the run adds little to what the first half reached.
    var middle = minutesMeasured[(minutesMeasured.Count - 1) / 2];
    var first = minutesMeasured[0];
    var last = minutesMeasured[^1];
    Console.WriteLine("| process | MB after minute 1 | MB at the middle | MB at the end | growth in the second half | levelled off |");
    Console.WriteLine("|---|---:|---:|---:|---:|---|");
    foreach (var process in services.Concat(servers))
    {
        var growth = last.Memory[process] - middle.Memory[process];
        var levelled = growth <= Math.Max(16, middle.Memory[process] * 0.05);
        Console.WriteLine($"| {process} | {first.Memory[process]:N0} | {middle.Memory[process]:N0} | {last.Memory[process]:N0} | {growth:+#,0;-#,0;0} MB | {(levelled ? "yes" : "no")} |");
    }

    // Latency drifts when the last third of the run is clearly slower than the first third (the warm first minute aside).
    var third = Math.Max(1, (minutesMeasured.Count - 1) / 3);
    var early = minutesMeasured.Skip(1).Take(third).SelectMany(m => m.Latencies).ToArray();
    var late = minutesMeasured.TakeLast(third).SelectMany(m => m.Latencies).ToArray();
    var (earlyP50, earlyP99, lateP50, lateP99) = (Percentiles.Of(early, 0.5), Percentiles.Of(early, 0.99), Percentiles.Of(late, 0.5), Percentiles.Of(late, 0.99));
    var drifted = lateP99 > earlyP99 * 1.5 + 10 || lateP50 > earlyP50 * 1.5 + 5;
    Console.WriteLine();
    Console.WriteLine($"Latency: minutes 2–{1 + third} p50 {earlyP50:N1} ms / p99 {earlyP99:N1} ms; the last {third} min p50 {lateP50:N1} ms / p99 {lateP99:N1} ms: " +
        (drifted ? "it drifted." : "no drift."));
    var growing = services.Concat(servers).Where(p => last.Memory[p] - middle.Memory[p] > Math.Max(16, middle.Memory[p] * 0.05)).ToList();
    Console.WriteLine(growing.Count == 0
        ? "Memory: every process levelled off."
        : $"Memory: still growing in the second half: {string.Join(", ", growing)}.");
}
return 0;

static double ResidentMegabytes(int pid) => ReadKilobytes($"/proc/{pid}/status", "VmRSS:") / 1024.0;

static double ProportionalMegabytes(int pid) => ReadKilobytes($"/proc/{pid}/smaps_rollup", "Pss:") / 1024.0;

static long ReadKilobytes(string path, string field)
{
    try
    {
        var line = File.ReadLines(path).FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }
    catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
    {
        return 0;
    }
}

int Argument(string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
}

internal sealed record Minute(int Number, double[] Latencies, Dictionary<string, long> Failures, Dictionary<string, double> Memory);
