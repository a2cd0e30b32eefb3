using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Alle.Bench;
using Alle.Bench.Soak;

// Soak: the whole application at a steady open-loop load of single /v1/track calls through the gateway (half of what it
// was measured to sustain unless --rate says otherwise); every minute the memory of each process and that minute's
// latency; at the end, whether memory levelled off and latency drifted. Every resource's console log is saved.
var minutes = Argument("--minutes", "SOAK_MINUTES", 30);
var rate = Argument("--rate", "SOAK_RATE", 0);
var users = Argument("--users", "SOAK_USERS", 20_000);
var connections = Argument("--connections", "SOAK_CONNECTIONS", 64);
var logs = args.SkipWhile(a => a != "--logs").Skip(1).FirstOrDefault()
    ?? Path.Combine("/var/tmp", "alle-soak", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
string[] processes = ["gateway", "ingestion", "profiles", "audiences", "messaging", "loyalty", "destinations", "web", "twilio-sandbox",
    "postgres", "eventbus", "cache"];

var app = await BenchApplication.StartAsync();
var run = $"soak{Guid.NewGuid():N}"[..12];
var measured = new List<SoakMinute>();
var exitCode = 0;
try
{
    // A bounded pool: calls beyond it wait in the client (their latency still counts from their due time) instead of
    // opening a socket each in this process, which also hosts the AppHost, and in the gateway.
    using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
    {
        BaseAddress = app.Endpoint("gateway"),
        Timeout = TimeSpan.FromSeconds(30),
        DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{app.WriteKey("mobile")}:"))) },
    };
    long sequence = 0;
    var window = new Window();

    async Task<bool> TrackAsync()
    {
        var i = Interlocked.Increment(ref sequence);
        using var response = await client.PostAsJsonAsync("/v1/track", new
        {
            messageId = $"{run}-{i}", userId = $"{run}-u{i % users}", @event = "Soak Event",
            properties = new { i, plan = "gold", path = "/providers/search" },
        });
        return response.IsSuccessStatusCode;
    }

    async Task SendAsync(long due)
    {
        try
        {
            if (await TrackAsync())
            {
                window.Succeeded(Stopwatch.GetElapsedTime(due).TotalMilliseconds);
            }
            else
            {
                window.Failed("HTTP error");
            }
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            window.Failed(exception.GetType().Name);
        }
    }

    Console.Error.WriteLine("warming up for 20 s at 50/s…");
    await OpenLoop.RunAsync(50 * 20, 50, (_, due) => SendAsync(due));
    if (rate <= 0)
    {
        var capacity = await Capacity.MeasureAsync(TrackAsync, concurrency: connections / 2, TimeSpan.FromSeconds(30));
        rate = Math.Max(10, (int)(capacity / 2));
        Console.WriteLine($"Capacity: {capacity:N0} acknowledged calls/s with {connections / 2} calls in flight for 30 s (load {LoadAverage()}); the soak runs at half: {rate}/s.");
    }
    window.Take();

    Console.WriteLine($"Soak: {rate} /v1/track calls per second through the gateway for {minutes} min, {users:N0} users. Memory: RSS/PSS in MB of each " +
        "process (a server's whole process tree) at the minute's end; latency of the calls that completed in the minute, from their due time.");
    Console.WriteLine();
    Console.WriteLine($"| minute | acknowledged | failed | p50 ms | p95 ms | p99 ms | {string.Join(" | ", processes)} | load (1 min) |");
    Console.WriteLine($"|---:|---:|---:|---:|---:|---:|{string.Concat(processes.Select(_ => "---:|"))}---:|");
    using var stop = new CancellationTokenSource();
    var load = OpenLoop.RunAsync(checked(rate * 60 * minutes), rate, (_, due) => SendAsync(due), stop.Token);
    var started = Stopwatch.StartNew();
    for (var minute = 1; minute <= minutes; minute++)
    {
        await Task.Delay(TimeSpan.FromMinutes(minute) - started.Elapsed);
        var (latencies, failures) = window.Take();
        var memory = processes.ToDictionary(p => p, p => ProcessMemory.OfTree(app.Resources.Instance(p).ProcessId));
        var sample = new SoakMinute(minute, latencies, failures, memory, LoadAverage());
        measured.Add(sample);
        Console.WriteLine(sample.Row(processes));
        if (memory.Any(m => m.Value.Gone))
        {
            // Nothing after this measures a steady load: stop, keep the logs, say what the application reported.
            Console.WriteLine();
            Console.WriteLine($"Stopped: {string.Join(", ", memory.Where(m => m.Value.Gone).Select(m => m.Key))} gone after minute {minute}; " +
                $"resources: {app.Resources.Describe()}");
            exitCode = 1;
            break;
        }
    }
    stop.Cancel();
    await load;
}
finally
{
    await app.SaveLogsAsync(logs);
    Console.Error.WriteLine($"each resource's console log is in {logs}");
    await app.StopAsync();
}

Console.WriteLine();
Console.WriteLine(SoakVerdict.Of(measured, processes));
return exitCode == 0 && SoakVerdict.IsValid(measured) ? 0 : 1;

static string LoadAverage() => string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

int Argument(string name, string variable, int fallback)
{
    var index = Array.IndexOf(args, name);
    var text = index >= 0 && index + 1 < args.Length ? args[index + 1] : Environment.GetEnvironmentVariable(variable);
    return string.IsNullOrEmpty(text) ? fallback : int.Parse(text, CultureInfo.InvariantCulture);
}

/// <summary>The calls completed since the last <see cref="Take"/>: their latencies and failures by kind.</summary>
internal sealed class Window
{
    private Calls _current = new();

    public void Succeeded(double milliseconds) => Volatile.Read(ref _current).Latencies.Add(milliseconds);

    public void Failed(string kind) => Volatile.Read(ref _current).Failures.AddOrUpdate(kind, 1, (_, n) => n + 1);

    public (double[] Latencies, Dictionary<string, long> Failures) Take()
    {
        var taken = Interlocked.Exchange(ref _current, new Calls());
        return ([.. taken.Latencies], taken.Failures.ToDictionary());
    }

    private sealed class Calls
    {
        public ConcurrentBag<double> Latencies { get; } = [];

        public ConcurrentDictionary<string, long> Failures { get; } = new();
    }
}

/// <summary>What the application sustains: acknowledged calls per second from a fixed number of callers, each sending its next call when the last is answered.</summary>
internal static class Capacity
{
    public static async Task<double> MeasureAsync(Func<Task<bool>> call, int concurrency, TimeSpan duration)
    {
        Console.Error.WriteLine($"measuring capacity for {duration.TotalSeconds:0} s with {concurrency} calls in flight…");
        long acknowledged = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (clock.Elapsed < duration)
            {
                try
                {
                    if (await call())
                    {
                        Interlocked.Increment(ref acknowledged);
                    }
                }
                catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
                {
                }
            }
        }));
        return acknowledged / clock.Elapsed.TotalSeconds;
    }
}
