using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alle.Bench;
using Npgsql;
using RabbitMQ.Client;

// Profiles benchmark: events resolved per second (EventsIngested batches published straight to the broker, as
// ingestion does), and Profile API latency from the cache under an open-loop load of a fixed rate. Starts the whole
// application itself (Aspire's testing builder: fresh state folder, random ports), stops it and deletes its state at the end.
var events = Argument("--events", 50_000);
var batchSize = Argument("--batch", 100);
var rate = Argument("--rate", 500);
var seconds = Argument("--seconds", 20);
// --profiles-alone stops the services downstream of Profiles first, so the cores are Profiles' (and its servers') alone.
var profilesAlone = args.Contains("--profiles-alone");

var app = await BenchApplication.StartAsync();
var results = new List<(string Measure, string Result, string Target)>();
var cpuReport = "";
try
{
    if (profilesAlone)
    {
        await app.StopServicesAsync("audiences", "messaging", "loyalty", "web");
        Console.WriteLine("Stopped audiences, messaging, loyalty and web: measuring Profiles alone");
    }
    await using var database = NpgsqlDataSource.Create(app.ConnectionString("profilesdb"));
    await using var broker = await new ConnectionFactory { Uri = new Uri(app.ConnectionString("eventbus")) }.CreateConnectionAsync();
    await using var channel = await broker.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));

    var updates = 0L;
    var probe = (await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true)).QueueName;
    foreach (var exchange in new[] { "Alle.Contracts:ProfileUpdated", "Alle.Contracts:ProfilesUpdated" })
    {
        await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true);
        await channel.QueueBindAsync(probe, exchange, "");
    }
    var counter = new RabbitMQ.Client.Events.AsyncEventingBasicConsumer(channel);
    counter.ReceivedAsync += (_, delivery) =>
    {
        // A ProfilesUpdated carries several updates; count each.
        using var envelope = JsonDocument.Parse(delivery.Body);
        var message = envelope.RootElement.GetProperty("message");
        Interlocked.Add(ref updates, message.TryGetProperty("updates", out var batch) ? batch.GetArrayLength() : 1);
        return Task.CompletedTask;
    };
    await channel.BasicConsumeAsync(probe, autoAck: true, counter);

    Console.WriteLine("Warming up …");
    var warmUp = Workload("warm", 2_000);
    await PublishAsync(channel, warmUp, batchSize);
    await WaitForAsync(() => CountEventsAsync(database), warmUp.Count, TimeSpan.FromMinutes(2));
    await WaitForAsync(() => Task.FromResult(Interlocked.Read(ref updates)), warmUp.Count, TimeSpan.FromMinutes(2));

    Console.WriteLine($"Resolving {events:N0} events in batches of {batchSize} …");
    var loadBefore = File.ReadAllText("/proc/loadavg").Split(' ')[0];
    var workload = Workload("run", events);
    var baseline = await CountEventsAsync(database);
    var updatesBaseline = Interlocked.Read(ref updates);
    var cpuBefore = app.Cpu.Sample();
    var clock = Stopwatch.StartNew();
    await PublishAsync(channel, workload, batchSize);
    var published = clock.Elapsed;
    await WaitForAsync(async () => await CountEventsAsync(database) - baseline, workload.Count, TimeSpan.FromMinutes(10));
    var resolved = clock.Elapsed;
    await WaitForAsync(() => Task.FromResult(Interlocked.Read(ref updates) - updatesBaseline), workload.Count, TimeSpan.FromMinutes(10));
    var relayed = clock.Elapsed;
    var cpuAfter = app.Cpu.Sample();
    var spent = cpuAfter.Where(p => p.Value - cpuBefore.GetValueOrDefault(p.Key) >= 0.5).OrderByDescending(p => p.Value - cpuBefore.GetValueOrDefault(p.Key))
        .Select(p => $"{p.Key} {p.Value - cpuBefore.GetValueOrDefault(p.Key):N1}");
    cpuReport = $"CPU seconds spent during the {relayed.TotalSeconds:N1} s run: {string.Join(", ", spent)}; load average before the run {loadBefore}";
    results.Add(($"events resolved per second ({events:N0} events, {events / 5:N0} people, batches of {batchSize})", $"{workload.Count / resolved.TotalSeconds:N0}/s", "≥ 5,000/s"));
    results.Add(("events resolved and their ProfileUpdated published, per second (same run, through the outbox)", $"{workload.Count / relayed.TotalSeconds:N0}/s", ""));
    results.Add(("publishing the batches took", $"{published.TotalSeconds:N1} s", ""));

    // The resolution run leaves work behind (PostgreSQL's autovacuum of 50,000 new rows, consumers' backlogs): the
    // latency run starts once the application is quiet, so it measures the cache, not what is left of the run before.
    Console.WriteLine($"Waiting for the application to settle ({await SettleAsync(app)}) …");
    var adminKey = app.AdminKey;
    // Up to 1,000 of the run's people (five events each), read round-robin.
    var userIds = Enumerable.Range(0, Math.Clamp(events / 5, 1, 1_000)).Select(i => $"run-user-{i}").ToArray();
    foreach (var (name, endpoint) in new[] { ("direct to profiles", app.Endpoint("profiles")), ("through the gateway", app.Endpoint("gateway")) })
    {
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(10) }) { BaseAddress = endpoint };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
        string PathOf(int i) => $"/api/profiles/v1/spaces/default/collections/users/profiles/user_id:{userIds[i % userIds.Length]}/traits";
        for (var i = 0; i < userIds.Length; i++)
        {
            using var warm = await client.GetAsync(PathOf(i));
            if (!warm.IsSuccessStatusCode)
            {
                throw new HttpRequestException($"GET {PathOf(i)} {name}: {(int)warm.StatusCode} {await warm.Content.ReadAsStringAsync()}");
            }
        }
        // Two seconds at the rate first, discarded: the client opens the connections the rate needs.
        await FixedRateReads.RunAsync(client, PathOf, rate, TimeSpan.FromSeconds(2));
        Console.WriteLine($"Profile API {name}: {rate} requests/s for {seconds} s …");
        var latencies = await FixedRateReads.RunAsync(client, PathOf, rate, TimeSpan.FromSeconds(seconds));
        results.Add(($"Profile API /traits from cache, {name}: p50 / p99 / max at {rate} req/s ({latencies.Count:N0} requests, {latencies.Errors} errors)",
            $"{latencies.Percentile(0.50):N2} / {latencies.Percentile(0.99):N2} / {latencies.Percentile(1):N2} ms", "p99 < 5 ms"));
        results.Add(($"… the same run's sends left their due time late by, p50 / p99", $"{latencies.LatePercentile(0.50):N2} / {latencies.LatePercentile(0.99):N2} ms", ""));
        if (name != "direct to profiles")
        {
            continue;
        }
        // The floor: the same load on Profiles' /alive, which does no work (no authentication, no cache).
        var floor = await FixedRateReads.RunAsync(client, _ => "/alive", rate, TimeSpan.FromSeconds(seconds));
        results.Add(($"… floor: Profiles' /alive at the same rate, p50 / p99 / max at {rate} req/s ({floor.Errors} errors)",
            $"{floor.Percentile(0.50):N2} / {floor.Percentile(0.99):N2} / {floor.Percentile(1):N2} ms", ""));
    }
}
finally
{
    await app.StopAsync();
}

Console.WriteLine();
Console.WriteLine($"Profiles benchmark on {Environment.ProcessorCount} cores");
Console.WriteLine();
Console.WriteLine("| measure | result | target |");
Console.WriteLine("|---|---|---|");
foreach (var (measure, result, target) in results)
{
    Console.WriteLine($"| {measure} | {result} | {target} |");
}
Console.WriteLine();
Console.WriteLine(cpuReport);
return 0;

int Argument(string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length && int.TryParse(args[index + 1], out var value) ? value : fallback;
}

// People of five events each, as a member's journey: browsing, identify with phone and e-mail, activity, sign-in.
static List<JsonObject> Workload(string prefix, int count)
{
    var list = new List<JsonObject>(count);
    var now = DateTimeOffset.UtcNow;
    for (var i = 0; list.Count < count; i++)
    {
        var userId = $"{prefix}-user-{i}";
        var device = $"{prefix}-device-{i}";
        var phone = $"+1555{i % 10_000_000:D7}";
        list.Add(Event("track", null, device, "Provider Searched", properties: new JsonObject { ["zip"] = "10001" }));
        list.Add(Event("identify", userId, device, null, traits: new JsonObject { ["phone"] = phone, ["email"] = $"{userId}@example.com", ["tier"] = "gold" }));
        list.Add(Event("track", userId, null, "Offer Viewed", properties: new JsonObject { ["offerId"] = $"offer-{i % 50}" }));
        list.Add(Event("track", null, null, "Coupon Texted", context: new JsonObject
        {
            ["externalIds"] = new JsonArray(new JsonObject { ["id"] = phone, ["type"] = "phone", ["collection"] = "users", ["encoding"] = "none" }),
        }));
        list.Add(Event("identify", userId, null, null, traits: new JsonObject { ["points"] = i }));
    }
    return list.Take(count).ToList();

    JsonObject Event(string type, string? userId, string? anonymousId, string? name, JsonObject? properties = null, JsonObject? traits = null, JsonObject? context = null) => new()
    {
        ["sourceId"] = "bench",
        ["messageId"] = Guid.NewGuid().ToString(),
        ["type"] = type,
        ["userId"] = userId,
        ["anonymousId"] = anonymousId,
        ["event"] = name,
        ["properties"] = properties,
        ["traits"] = traits,
        ["context"] = context ?? new JsonObject { ["library"] = new JsonObject { ["name"] = "bench" } },
        ["timestamp"] = now,
        ["receivedAt"] = now,
    };
}

// Seconds until the application (every resource and the orchestrator, not this process) used less than a tenth of a
// core over two seconds (at most a minute), and what was still busy then.
static async Task<string> SettleAsync(BenchApplication app)
{
    var clock = Stopwatch.StartNew();
    var before = app.Cpu.Sample();
    var window = new Dictionary<string, double>();
    while (clock.Elapsed < TimeSpan.FromMinutes(1))
    {
        await Task.Delay(TimeSpan.FromSeconds(2));
        var now = app.Cpu.Sample();
        window = now.Where(g => g.Key != ResourceCpu.Generator).ToDictionary(g => g.Key, g => g.Value - before.GetValueOrDefault(g.Key));
        if (window.Values.Sum() < 0.2)
        {
            return $"quiet after {clock.Elapsed.TotalSeconds:N0} s";
        }
        before = now;
    }
    return $"still busy after {clock.Elapsed.TotalSeconds:N0} s, cores: " + string.Join(", ", window.Where(g => g.Value >= 0.05)
        .OrderByDescending(g => g.Value).Select(g => $"{g.Key} {g.Value / 2:N2}"));
}

static async Task PublishAsync(IChannel channel, List<JsonObject> events, int batchSize)
{
    var pending = new List<Task>();
    foreach (var chunk in events.Chunk(batchSize))
    {
        var envelope = new JsonObject
        {
            ["messageId"] = Guid.NewGuid().ToString(),
            ["messageType"] = new JsonArray("urn:message:Alle.Contracts:EventsIngested"),
            ["destinationAddress"] = "rabbitmq://localhost/Alle.Contracts:EventsIngested",
            ["message"] = new JsonObject { ["batchId"] = Guid.NewGuid().ToString(), ["sourceId"] = "bench", ["events"] = new JsonArray([.. chunk.Select(e => e.DeepClone())]) },
            ["sentTime"] = DateTimeOffset.UtcNow.ToString("O"),
        };
        pending.Add(channel.BasicPublishAsync("Alle.Contracts:EventsIngested", "", false,
            new BasicProperties { ContentType = "application/vnd.masstransit+json", DeliveryMode = DeliveryModes.Persistent },
            Encoding.UTF8.GetBytes(envelope.ToJsonString())).AsTask());
    }
    await Task.WhenAll(pending);
}

static async Task<long> CountEventsAsync(NpgsqlDataSource database)
{
    await using var command = database.CreateCommand("SELECT count(*) FROM events");
    return (long)(await command.ExecuteScalarAsync())!;
}

static async Task<TimeSpan> WaitForAsync(Func<Task<long>> probe, long expected, TimeSpan timeout)
{
    var clock = Stopwatch.StartNew();
    while (await probe() < expected)
    {
        if (clock.Elapsed > timeout)
        {
            throw new TimeoutException($"Only {await probe():N0} of {expected:N0} after {timeout}.");
        }
        await Task.Delay(100);
    }
    return clock.Elapsed;
}
