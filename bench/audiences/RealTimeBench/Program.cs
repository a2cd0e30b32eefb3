using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Alle.Bench;
using Alle.Contracts;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using MassTransit;
using Npgsql;

// Audiences' real-time rate: ProfilesUpdated batches (as Profiles publishes a resolved batch) published straight to
// the broker for many profiles, and the time until Audiences has applied every one of them: traits, events, a counter
// computed trait, and audiences on an event window, a trait and the computed trait. The services downstream of
// ingestion other than Audiences are stopped first, so the cores are Audiences' and its servers'.
var events = Argument("--events", 30_000);
var profiles = Argument("--profiles", 3_000);
var batchSize = Argument("--batch", 100);
// How many batches Audiences applies at once (Audiences:RealTime:ConcurrentBatches); left out, the service's default.
var concurrentBatches = Argument("--concurrent-batches", 0);

var app = await BenchApplication.StartAsync(builder =>
{
    if (concurrentBatches > 0)
    {
        var audiences = builder.Resources.OfType<ProjectResource>().Single(resource => resource.Name == "audiences");
        builder.CreateResourceBuilder(audiences)
            .WithEnvironment("Audiences__RealTime__ConcurrentBatches", concurrentBatches.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
});
var rows = new List<(string Measure, string Result)>();
string cpuReport;
try
{
    await app.StopServicesAsync("profiles", "messaging", "loyalty", "destinations", "web");
    Console.Error.WriteLine("stopped profiles, messaging, loyalty, destinations and web: measuring Audiences");
    await using var database = NpgsqlDataSource.Create(app.ConnectionString("audiencesdb"));
    using var api = new HttpClient { BaseAddress = app.Endpoint("audiences") };
    api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", app.AdminKey);
    await DefineAsync(api);

    var bus = Bus.Factory.CreateUsingRabbitMq(rabbit =>
    {
        var address = new Uri(app.ConnectionString("eventbus"));
        rabbit.Host(address, host =>
        {
            var credentials = address.UserInfo.Split(':', 2);
            host.Username(Uri.UnescapeDataString(credentials[0]));
            host.Password(Uri.UnescapeDataString(credentials[1]));
        });
    });
    await bus.StartAsync();
    try
    {
        Console.Error.WriteLine("warming up (2,000 updates) …");
        var warm = Workload("warm", 2_000, 500);
        await PublishAsync(bus, warm.Batches(batchSize));
        await WaitForAsync(() => CountAsync(database, "SELECT count(*) FROM events WHERE message_id LIKE 'warm-%'"), warm.Tracks, TimeSpan.FromMinutes(5));

        var run = Workload("run", events, profiles);
        Console.Error.WriteLine($"publishing {events:N0} updates for {profiles:N0} profiles in batches of {batchSize} …");
        var loadBefore = File.ReadAllText("/proc/loadavg").Trim();
        var cpuBefore = app.Cpu.Sample();
        var clock = Stopwatch.StartNew();
        await PublishAsync(bus, run.Batches(batchSize));
        var published = clock.Elapsed;
        await WaitForAsync(() => CountAsync(database, "SELECT count(*) FROM events WHERE message_id LIKE 'run-%'"), run.Tracks, TimeSpan.FromMinutes(20));
        var applied = clock.Elapsed;
        var cpu = app.Cpu.Since(cpuBefore, applied);
        var loadAfter = File.ReadAllText("/proc/loadavg").Trim();

        rows.Add(($"updates applied per second ({events:N0} updates, {run.Tracks:N0} of them track events, {profiles:N0} profiles, batches of {batchSize})", $"{events / applied.TotalSeconds:N0}/s"));
        rows.Add(("publishing the batches took", $"{published.TotalSeconds:N1} s"));
        rows.Add(("all applied after", $"{applied.TotalSeconds:N1} s"));
        rows.Add(("entries and exits recorded", $"{await CountAsync(database, "SELECT count(*) FROM membership_history"):N0}"));
        rows.Add(("computed values", $"{await CountAsync(database, "SELECT count(*) FROM computed_values"):N0}"));
        cpuReport = $"cores used while applying: {string.Join(", ", cpu.OrderByDescending(p => p.Value).Where(p => p.Value >= 0.02).Select(p => $"{p.Key} {p.Value:N2}"))}; load average before {loadBefore}, after {loadAfter}";
    }
    finally
    {
        await bus.StopAsync();
    }
}
finally
{
    await app.StopAsync();
}

Console.WriteLine();
Console.WriteLine($"Audiences real-time benchmark on {Environment.ProcessorCount} cores, {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC, concurrent batches: {(concurrentBatches > 0 ? concurrentBatches : "the service's default")}");
Console.WriteLine();
Console.WriteLine("| measure | result |");
Console.WriteLine("|---|---|");
foreach (var (measure, result) in rows)
{
    Console.WriteLine($"| {measure} | {result} |");
}
Console.WriteLine();
Console.WriteLine(cpuReport);
return 0;

int Argument(string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length && int.TryParse(args[index + 1], out var value) ? value : fallback;
}

static async Task DefineAsync(HttpClient api)
{
    async Task PostAsync(string path, object body)
    {
        using var response = await api.PostAsJsonAsync(path, body);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"POST {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }
    await PostAsync("/api/audiences/computed-traits", new { key = "bench_searches", name = "Searches", definition = new { kind = "counter", @event = "Provider Searched" } });
    await PostAsync("/api/audiences", new
    {
        key = "bench_north_star", name = "Searched in 30 days, never redeemed",
        condition = JsonDocument.Parse("""{"and": [{"event": "Provider Searched", "within": "30d"}, {"not": {"event": "Offer Redeemed"}}]}""").RootElement,
    });
    await PostAsync("/api/audiences", new { key = "bench_gold", name = "Gold", condition = JsonDocument.Parse("""{"trait": "tier", "operator": "equals", "value": "gold"}""").RootElement });
    await PostAsync("/api/audiences", new
    {
        key = "bench_frequent", name = "Three searches or more",
        condition = JsonDocument.Parse("""{"computedTrait": "bench_searches", "operator": "greaterThanOrEqual", "value": 3}""").RootElement,
    });
}

// Updates spread over the profiles as a resolved batch of many people's events: a batch's updates are for different
// profiles (unless there are fewer profiles than updates in a batch); each profile gets searches, views, redemptions and
// an occasional tier change.
static Workload Workload(string prefix, int count, int profileCount)
{
    var ids = Enumerable.Range(0, profileCount).Select(_ => Guid.NewGuid()).ToArray();
    var now = DateTimeOffset.UtcNow;
    var updates = new List<ProfileUpdated>(count);
    var tracks = 0;
    for (var i = 0; i < count; i++)
    {
        var person = i % profileCount;
        var userId = $"{prefix}-user-{person}";
        var at = now.AddMilliseconds(i);
        var kind = (i / profileCount) % 10;
        if (kind is 4 or 9)
        {
            var tier = JsonSerializer.SerializeToElement(kind == 4 ? "gold" : "silver");
            var identify = new TrackedEvent("bench", $"{prefix}-{i}", "identify", userId, null, null, null, null, null, null,
                JsonSerializer.SerializeToElement(new { tier = kind == 4 ? "gold" : "silver" }), null, null, at, null, null, at);
            updates.Add(new ProfileUpdated(ids[person], userId, new Dictionary<string, JsonElement> { ["tier"] = tier }, identify, at));
            continue;
        }
        var name = kind switch { 7 => "Offer Redeemed", 2 or 5 => "Offer Viewed", _ => "Provider Searched" };
        var trigger = new TrackedEvent("bench", $"{prefix}-{i}", "track", userId, null, name, null, null, null,
            JsonSerializer.SerializeToElement(new { zip = "10001" }), null, null, null, at, null, null, at);
        updates.Add(new ProfileUpdated(ids[person], userId, new Dictionary<string, JsonElement>(), trigger, at));
        tracks++;
    }
    return new Workload(updates, tracks);
}

static async Task PublishAsync(IBusControl bus, IEnumerable<ProfilesUpdated> batches) =>
    await Task.WhenAll(batches.Select(batch => bus.Publish(batch)));

static async Task<long> CountAsync(NpgsqlDataSource database, string sql)
{
    await using var command = database.CreateCommand(sql);
    return (long)(await command.ExecuteScalarAsync())!;
}

static async Task WaitForAsync(Func<Task<long>> probe, long expected, TimeSpan timeout)
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
}

internal sealed record Workload(List<ProfileUpdated> Updates, int Tracks)
{
    public IEnumerable<ProfilesUpdated> Batches(int size) => Updates.Chunk(size).Select(chunk => new ProfilesUpdated(chunk));
}
