using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alle.Bench;
using Alle.Testing;
using RabbitMQ.Client;

// Destinations benchmark: events delivered per second to a local HTTP receiver through one webhook destination, through
// five (every event to each), and through one that batches; the CPU each delivery costs the application; and the time
// from an event's publication to its arrival at the receiver (p50/p95/p99) at a steady rate. Events are published as
// EventsIngested batches straight to the broker, as ingestion publishes them. Same-run baselines: the receiver posted to
// directly by this process (its ceiling, and the latency of one request). By default the services that do not take
// part (ingestion, profiles, audiences, messaging, loyalty, web) are stopped once the sources exist, so the cores are
// Destinations' and its servers'; --with-pipeline keeps them running (they then also consume every batch).
var events = Argument("--events", 20_000);
var batchSize = Argument("--batch", 100);
var latencyEvents = Argument("--latency-events", 3_000);
var latencyRate = Argument("--rate", 200);
var withPipeline = args.Contains("--with-pipeline");

var app = await BenchApplication.StartAsync();
var rows = new List<string>();
var latencyRows = new List<string>();
var notes = new List<string>();
try
{
    await using var receiver = await WebhookReceiver.StartAsync(keepRequests: false);
    await using var timedReceiver = await WebhookReceiver.StartAsync(keepRequests: true);
    using var api = Client(app.Endpoint("destinations"), app.AdminKey);
    using var ingestion = Client(app.Endpoint("ingestion"), app.AdminKey);
    await using var broker = await new ConnectionFactory { Uri = new Uri(app.ConnectionString("eventbus")) }.CreateConnectionAsync();
    await using var channel = await broker.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));

    // Sources exist at ingestion before a destination is connected to them; then ingestion may stop.
    var scenarios = new (string Name, int Destinations, object? Settings)[]
    {
        ("1 webhook, one event per request", 1, null),
        ("5 webhooks, every event to each", 5, null),
        ("1 webhook, batches of up to 100 events (100 ms)", 1, new { batchSize = 100, batchWaitMs = 100 }),
    };
    for (var n = 0; n < scenarios.Length; n++)
    {
        await ConnectedAsync(ingestion, api, $"bench-{n}", scenarios[n].Name, scenarios[n].Destinations, receiver.Url, scenarios[n].Settings);
    }
    await ConnectedAsync(ingestion, api, "bench-latency", "latency", 1, timedReceiver.Url, null);
    if (!withPipeline)
    {
        await app.StopServicesAsync("web", "loyalty", "messaging", "audiences", "profiles", "ingestion");
        Console.WriteLine("Stopped web, loyalty, messaging, audiences, profiles and ingestion: measuring Destinations alone");
    }

    // Baseline: the same events posted straight to the receiver, eight at a time (a destination's default concurrency).
    {
        using var direct = new HttpClient { BaseAddress = new Uri(receiver.Url) };
        var workload = Workload("direct", events);
        receiver.Reset();
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(workload, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (e, cancellationToken) =>
        {
            using var content = new StringContent(e.ToJsonString(), Encoding.UTF8, "application/json");
            (await direct.PostAsync("/direct", content, cancellationToken)).Dispose();
        });
        var elapsed = clock.Elapsed;
        rows.Add($"| baseline: this process posting to the receiver directly (8 at a time) | {events:N0} | {events:N0} | {receiver.RequestCount:N0} | {events / elapsed.TotalSeconds:N0} | – | – | – | – | – |");
    }

    for (var n = 0; n < scenarios.Length; n++)
    {
        var (scenario, destinations, _) = scenarios[n];
        var source = $"bench-{n}";
        Console.WriteLine($"{scenario}: warming up …");
        receiver.Reset();
        await PublishAsync(channel, source, Workload("warm", 2_000), batchSize);
        await WaitForAsync(() => receiver.EventCount, 2_000L * destinations, TimeSpan.FromMinutes(5));

        Console.WriteLine($"{scenario}: {events:N0} events …");
        receiver.Reset();
        var workload = Workload($"run{n}", events);
        var cpuBefore = app.Cpu.Sample();
        var clock = Stopwatch.StartNew();
        await PublishAsync(channel, source, workload, batchSize);
        var published = clock.Elapsed;
        await WaitForAsync(() => receiver.EventCount, (long)events * destinations, TimeSpan.FromMinutes(15));
        var elapsed = clock.Elapsed;
        var cpu = app.Cpu.Sample().ToDictionary(p => p.Key, p => p.Value - cpuBefore.GetValueOrDefault(p.Key));
        var deliveries = (double)events * destinations;
        var applicationCpu = cpu.Where(p => p.Key != ResourceCpu.Generator).Sum(p => p.Value);
        rows.Add($"| {scenario} | {events:N0} | {deliveries:N0} | {receiver.RequestCount:N0} | **{deliveries / elapsed.TotalSeconds:N0}** | {events / elapsed.TotalSeconds:N0} "
            + $"| {cpu.GetValueOrDefault("destinations") / deliveries * 1e6:N0} | {cpu.GetValueOrDefault("postgres") / deliveries * 1e6:N0} "
            + $"| {applicationCpu / deliveries * 1e6:N0} | {applicationCpu / elapsed.TotalSeconds:N2} |");
        notes.Add($"{scenario}: published in {published.TotalSeconds:N1} s, delivered in {elapsed.TotalSeconds:N1} s; CPU seconds: "
            + string.Join(", ", cpu.Where(p => p.Value >= 0.1).OrderByDescending(p => p.Value).Select(p => $"{p.Key} {p.Value:N1}")));
    }

    // Latency at a steady rate, one event per EventsIngested (as ingestion publishes a single call): from the moment the
    // event was due to be published to its arrival at the receiver.
    Console.WriteLine($"latency: {latencyEvents:N0} events at {latencyRate}/s …");
    await PublishAsync(channel, "bench-latency", Workload("latency-warm", 200), 1);
    await WaitForAsync(() => timedReceiver.EventCount, 200, TimeSpan.FromMinutes(2));
    timedReceiver.Reset();
    var timed = Workload("latency", latencyEvents);
    var publishLate = await OpenLoop.RunAsync(latencyEvents, latencyRate, async (i, due) =>
    {
        timed[i]["properties"]!["benchDueAt"] = Micros(DateTimeOffset.UtcNow - Stopwatch.GetElapsedTime(due));
        await PublishAsync(channel, "bench-latency", [timed[i]], 1);
    });
    await WaitForAsync(() => timedReceiver.EventCount, latencyEvents, TimeSpan.FromMinutes(5));
    var latencies = timedReceiver.Received.SelectMany(r => r.Events.Select(e =>
        (Micros(r.At) - e.GetProperty("properties").GetProperty("benchDueAt").GetInt64()) / 1000.0)).ToArray();
    latencyRows.Add(LatencyRow($"published to RabbitMQ → Destinations → receiver (1 webhook)", latencies));

    // Baseline: one POST from this process to the receiver, at the same rate.
    using (var direct = new HttpClient { BaseAddress = new Uri(timedReceiver.Url) })
    {
        var roundTrips = new double[latencyEvents];
        await OpenLoop.RunAsync(latencyEvents, latencyRate, async (i, due) =>
        {
            using var content = new StringContent(timed[i].ToJsonString(), Encoding.UTF8, "application/json");
            (await direct.PostAsync("/direct", content)).Dispose();
            roundTrips[i] = Stopwatch.GetElapsedTime(due).TotalMilliseconds;
        });
        latencyRows.Add(LatencyRow("baseline: this process posting to the receiver directly", roundTrips));
    }
    notes.Add($"latency: the publisher started its calls a median {Percentiles.Of(publishLate, 0.50):N2} ms (p99 {Percentiles.Of(publishLate, 0.99):N2} ms) after they were due");
}
finally
{
    await app.StopAsync();
}

Console.WriteLine();
Console.WriteLine($"Destinations benchmark on {Environment.ProcessorCount} cores ({(withPipeline ? "whole pipeline running" : "Destinations alone")}), batches of {batchSize} events per EventsIngested");
Console.WriteLine();
Console.WriteLine("| scenario | events | deliveries | HTTP requests | deliveries/s | events/s | destinations µs CPU per delivery | PostgreSQL µs per delivery | application µs per delivery | application cores |");
Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
rows.ForEach(Console.WriteLine);
Console.WriteLine();
Console.WriteLine($"Event → delivery latency at {latencyRate} events/s ({latencyEvents:N0} events)");
Console.WriteLine();
Console.WriteLine("| path | p50 ms | p95 ms | p99 ms | max ms |");
Console.WriteLine("|---|---:|---:|---:|---:|");
latencyRows.ForEach(Console.WriteLine);
Console.WriteLine();
notes.ForEach(Console.WriteLine);
return 0;

string LatencyRow(string path, double[] samples) =>
    $"| {path} | {Percentiles.Of(samples, 0.50):N1} | {Percentiles.Of(samples, 0.95):N1} | {Percentiles.Of(samples, 0.99):N1} | {samples.Max():N1} |";

static long Micros(DateTimeOffset at) => (at - DateTimeOffset.UnixEpoch).Ticks / 10;

static HttpClient Client(Uri address, string adminKey)
{
    var client = new HttpClient { BaseAddress = address };
    client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
    return client;
}

// A source at ingestion and destinations connected to it, posting to the receiver.
static async Task ConnectedAsync(HttpClient ingestion, HttpClient api, string source, string name, int count, string url, object? settings)
{
    using (var created = await ingestion.PostAsJsonAsync("/api/ingestion/sources", new { id = source, name = source }))
    {
        created.EnsureSuccessStatusCode();
    }
    for (var i = 0; i < count; i++)
    {
        using var created = await api.PostAsJsonAsync("/api/destinations", new
        {
            name = $"{name} #{i}",
            type = "webhook",
            settings = JsonSerializer.SerializeToElement(new { url = $"{url}/d{i}" }).Merge(settings),
        });
        created.EnsureSuccessStatusCode();
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("destination").GetProperty("id").GetGuid();
        using var connected = await api.PutAsync($"/api/destinations/{id}/sources/{source}", null);
        connected.EnsureSuccessStatusCode();
    }
}

int Argument(string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length && int.TryParse(args[index + 1], out var value) ? value : fallback;
}

// Track calls of a few hundred people, shaped as ingestion publishes them.
static List<JsonObject> Workload(string prefix, int count)
{
    var now = DateTimeOffset.UtcNow;
    return [.. Enumerable.Range(0, count).Select(i => new JsonObject
    {
        ["messageId"] = $"{prefix}-{i}-{Guid.NewGuid():N}",
        ["type"] = "track",
        ["userId"] = $"{prefix}-user-{i % 500}",
        ["event"] = "Order Completed",
        ["properties"] = new JsonObject { ["orderId"] = $"o-{i}", ["total"] = 49.5 + i % 100, ["currency"] = "USD", ["products"] = new JsonArray("BTX-100", "JUV-20") },
        ["context"] = new JsonObject { ["library"] = new JsonObject { ["name"] = "bench" }, ["ip"] = "203.0.113.9" },
        ["timestamp"] = now,
        ["receivedAt"] = now,
    })];
}

static async Task PublishAsync(IChannel channel, string source, List<JsonObject> events, int batchSize)
{
    var pending = new List<Task>();
    foreach (var chunk in events.Chunk(batchSize))
    {
        var envelope = new JsonObject
        {
            ["messageId"] = Guid.NewGuid().ToString(),
            ["messageType"] = new JsonArray("urn:message:Alle.Contracts:EventsIngested"),
            ["destinationAddress"] = "rabbitmq://localhost/Alle.Contracts:EventsIngested",
            ["message"] = new JsonObject
            {
                ["batchId"] = Guid.NewGuid().ToString(),
                ["sourceId"] = source,
                ["events"] = new JsonArray([.. chunk.Select(e => { var copy = (JsonObject)e.DeepClone(); copy["sourceId"] = source; return (JsonNode)copy; })]),
            },
            ["sentTime"] = DateTimeOffset.UtcNow.ToString("O"),
        };
        pending.Add(channel.BasicPublishAsync("Alle.Contracts:EventsIngested", "", false,
            new BasicProperties { ContentType = "application/vnd.masstransit+json", DeliveryMode = DeliveryModes.Persistent },
            Encoding.UTF8.GetBytes(envelope.ToJsonString())).AsTask());
    }
    await Task.WhenAll(pending);
}

static async Task WaitForAsync(Func<long> probe, long expected, TimeSpan timeout)
{
    var clock = Stopwatch.StartNew();
    while (probe() < expected)
    {
        if (clock.Elapsed > timeout)
        {
            throw new TimeoutException($"Only {probe():N0} of {expected:N0} after {timeout}.");
        }
        await Task.Delay(50);
    }
}

internal static class JsonMerging
{
    /// <summary>The settings with the scenario's extra members (batching) added.</summary>
    public static JsonElement Merge(this JsonElement settings, object? extra)
    {
        var merged = JsonNode.Parse(settings.GetRawText())!.AsObject();
        if (extra is not null)
        {
            foreach (var (name, value) in JsonNode.Parse(JsonSerializer.Serialize(extra))!.AsObject())
            {
                merged[name] = value?.DeepClone();
            }
        }
        return JsonSerializer.SerializeToElement(merged);
    }
}
