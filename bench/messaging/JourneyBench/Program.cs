using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alle.Bench;
using Alle.Testing;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Npgsql;

// Journey benchmark: N members enrolled with marketing consent enter an event-triggered journey at once (one track call
// each, in batches through the Tracking API) and are texted by its send_sms step. Measures entries advanced per second
// and the latency from each triggering event's acceptance to Twilio's accept and to the sandbox's delivery. Starts the
// whole application itself (Aspire's testing builder: fresh state, random ports, the machine-wide application slot),
// stops it and deletes its state at the end.
var members = Argument("--members", 10_000);
var messagesPerSecond = Argument("--messages-per-second", 1_000);
var concurrency = Argument("--concurrency", 16);
var batchSize = Argument("--batch", 100);
var patience = TimeSpan.FromMinutes(Argument("--minutes", 20));
var eventName = $"Bench Flash Sale {Guid.NewGuid():N}"[..30];

var app = await BenchApplication.StartAsync(builder =>
{
    var messaging = builder.Resources.OfType<ProjectResource>().Single(resource => resource.Name == "messaging");
    // The sender's pace is raised so the figure shows the pipeline, and the default zone is one where it is daytime now
    // so quiet hours never hold the marketing texts.
    builder.CreateResourceBuilder(messaging)
        .WithEnvironment("Twilio__MessagesPerSecond", messagesPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture))
        .WithEnvironment("Messaging__TimeZone", TestTimeZones.Daytime());
});
var results = new List<(string Measure, string Result, string Note)>();
var notes = new List<string>();
try
{
    await using var messagingDb = NpgsqlDataSource.Create(app.ConnectionString("messagingdb"));
    using var portal = app.CreateClient("gateway", TimeSpan.FromSeconds(120));
    portal.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{app.WriteKey("portal")}:")));

    using var created = await app.AdminGateway.PostAsJsonAsync("/api/messaging/journeys", new
    {
        name = "Benchmark flash sale",
        trigger = new { type = "event", @event = eventName },
        steps = new object[] { new { id = "text", type = "send_sms", template = "Flash sale today, {{ traits.firstName }}: 20% off any treatment. Reply STOP to opt out." } },
    });
    if (created.StatusCode != HttpStatusCode.Created)
    {
        throw new InvalidOperationException($"Creating the journey: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync()}");
    }
    var journeyId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

    Console.Error.WriteLine($"enrolling {members:N0} members with marketing consent…");
    var memberIds = new string[members];
    var clock = Stopwatch.StartNew();
    await Parallel.ForEachAsync(Enumerable.Range(0, members), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (i, cancellationToken) =>
    {
        var body = new
        {
            phone = TestPhones.New(), firstName = $"Member{i}", lastName = "Bench", marketingConsent = true, source = "portal",
            consentWording = "Yes, text me offers. Reply STOP to cancel.",
        };
        using var enrolled = await SendAsync(() => app.AdminGateway.PostAsJsonAsync("/api/loyalty/members", body, cancellationToken));
        memberIds[i] = (await enrolled.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("memberId").GetString()!;
    });
    results.Add(("members enrolled through Loyalty", $"{members / clock.Elapsed.TotalSeconds:N0}/s", $"{members:N0} POSTs, {concurrency} concurrent (set-up)"));
    await WaitForAsync("their consent in Messaging", () => ScalarAsync(messagingDb, "SELECT count(*) FROM members"), members, TimeSpan.FromMinutes(10));
    var settled = await SettleAsync(app);
    Console.Error.WriteLine($"set-up done ({settled}); triggering the journey for every member…");

    var load = File.ReadAllText("/proc/loadavg").Split(' ')[..3];
    var cpuBefore = app.Cpu.Sample();
    var acceptedAt = new Dictionary<string, DateTimeOffset>(members);
    var run = Stopwatch.StartNew();
    var startedAt = DateTimeOffset.UtcNow;
    await Parallel.ForEachAsync(memberIds.Chunk(batchSize), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (batch, cancellationToken) =>
    {
        var calls = new JsonArray([.. batch.Select(userId => (JsonNode)new JsonObject
        {
            ["type"] = "track", ["userId"] = userId, ["event"] = eventName, ["messageId"] = Guid.NewGuid().ToString(),
            ["properties"] = new JsonObject { ["discount"] = 20 },
        })]);
        using var accepted = await SendAsync(() => portal.PostAsJsonAsync("/v1/batch", new JsonObject { ["batch"] = calls }, cancellationToken));
        var at = DateTimeOffset.UtcNow;
        lock (acceptedAt)
        {
            foreach (var userId in batch)
            {
                acceptedAt[userId] = at;
            }
        }
    });
    var ingested = run.Elapsed;
    Console.Error.WriteLine($"{members:N0} events accepted in {ingested.TotalSeconds:N1} s; waiting for the texts…");
    await WaitForAsync("texts delivered", () => ScalarAsync(messagingDb,
        $"SELECT count(*) FROM messages WHERE journey_id = '{journeyId}' AND status IN ('delivered', 'undelivered', 'failed', 'skipped')"), members, patience);
    var elapsed = run.Elapsed;
    var cpu = app.Cpu.Since(cpuBefore, elapsed);

    var entries = (await ListAsync(messagingDb, $"""
        SELECT count(*) FILTER (WHERE status = 'completed'), min(entered_at), max(finished_at), count(*)
        FROM journey_entries WHERE journey_id = '{journeyId}'
        """, reader => (Completed: reader.GetInt64(0), FirstEntered: reader.GetFieldValue<DateTimeOffset>(1), LastFinished: reader.GetFieldValue<DateTimeOffset>(2),
            All: reader.GetInt64(3))))[0];
    var texts = await ListAsync(messagingDb, $"""
        SELECT m.user_id, m.status, q.at, d.at FROM messages m
        LEFT JOIN message_events q ON q.message_id = m.id AND q.status = 'queued'
        LEFT JOIN message_events d ON d.message_id = m.id AND d.status = 'delivered'
        WHERE m.journey_id = '{journeyId}'
        """, reader => (UserId: reader.IsDBNull(0) ? "" : reader.GetString(0), Status: reader.GetString(1),
            Queued: reader.IsDBNull(2) ? (DateTimeOffset?)null : reader.GetFieldValue<DateTimeOffset>(2),
            Delivered: reader.IsDBNull(3) ? (DateTimeOffset?)null : reader.GetFieldValue<DateTimeOffset>(3)));
    var toTwilio = texts.Where(t => t.Queued is not null && acceptedAt.ContainsKey(t.UserId)).Select(t => (t.Queued!.Value - acceptedAt[t.UserId]).TotalSeconds).ToList();
    var toPhone = texts.Where(t => t.Delivered is not null && acceptedAt.ContainsKey(t.UserId)).Select(t => (t.Delivered!.Value - acceptedAt[t.UserId]).TotalSeconds).ToList();
    var queued = texts.Where(t => t.Queued is not null).Select(t => t.Queued!.Value).Order().ToList();
    var twilioRate = queued.Count > 1 ? queued.Count / (queued[^1] - queued[0]).TotalSeconds : double.NaN;
    var advanceWindow = entries.LastFinished - entries.FirstEntered;

    results.Add(("trigger events accepted (Tracking API, batches)", $"{members / ingested.TotalSeconds:N0}/s", $"{members:N0} track calls in batches of {batchSize}, 4 concurrent"));
    results.Add(("entries advanced (entered → text intent recorded)", $"{entries.Completed / advanceWindow.TotalSeconds:N0}/s",
        $"{entries.Completed:N0} of {entries.All:N0} entries completed in {advanceWindow.TotalSeconds:N1} s, first entry to last"));
    results.Add(("texts accepted by Twilio (sandbox)", $"{twilioRate:N0}/s", $"sender pace Twilio:MessagesPerSecond={messagesPerSecond} did {(twilioRate >= 0.9 * messagesPerSecond ? "" : "not ")}hold"));
    results.Add(("event accepted → Twilio accepted, p50 / p95", $"{Percentiles.Of(toTwilio, 0.5):N1} / {Percentiles.Of(toTwilio, 0.95):N1} s", $"{toTwilio.Count:N0} texts"));
    results.Add(("event accepted → delivered, p50 / p95", $"{Percentiles.Of(toPhone, 0.5):N1} / {Percentiles.Of(toPhone, 0.95):N1} s",
        $"{toPhone.Count:N0} delivered of {texts.Count:N0} texts; all {members:N0} done in {elapsed.TotalSeconds:N1} s"));
    notes.Add($"load average before the run (1/5/15 min): {string.Join(" ", load)}; after: {string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ')[..3])}");
    notes.Add("cores used during the run: " + string.Join(", ", cpu.Where(g => g.Value >= 0.02).OrderByDescending(g => g.Value).Select(g => $"{g.Key} {g.Value:N2}")));
    var statuses = texts.GroupBy(t => t.Status).Select(g => $"{g.Key} {g.Count():N0}");
    notes.Add($"texts by status: {string.Join(", ", statuses)}; run started {startedAt:HH:mm:ss} UTC");
}
finally
{
    await app.StopAsync();
}

Console.WriteLine();
Console.WriteLine("| measure | result | notes |");
Console.WriteLine("|---|---|---|");
foreach (var (measure, result, note) in results)
{
    Console.WriteLine($"| {measure} | {result} | {note} |");
}
Console.WriteLine();
notes.ForEach(Console.WriteLine);
return 0;

int Argument(string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length && int.TryParse(args[index + 1], out var value) ? value : fallback;
}

// A request sent again while the gateway's rate limit answers 429 (after its Retry-After); any other failure stops the run.
static async Task<HttpResponseMessage> SendAsync(Func<Task<HttpResponseMessage>> send)
{
    for (var attempt = 0; ; attempt++)
    {
        var response = await send();
        if (response.StatusCode == HttpStatusCode.TooManyRequests && attempt < 100)
        {
            var wait = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1);
            response.Dispose();
            await Task.Delay(wait);
            continue;
        }
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        return response;
    }
}

static async Task<long> ScalarAsync(NpgsqlDataSource database, string sql)
{
    await using var command = database.CreateCommand(sql);
    return Convert.ToInt64(await command.ExecuteScalarAsync());
}

static async Task<List<T>> ListAsync<T>(NpgsqlDataSource database, string sql, Func<NpgsqlDataReader, T> read)
{
    await using var command = database.CreateCommand(sql);
    await using var reader = await command.ExecuteReaderAsync();
    var rows = new List<T>();
    while (await reader.ReadAsync())
    {
        rows.Add(read(reader));
    }
    return rows;
}

// Waits until the probe reaches the expected count, reporting progress every 5 s; throws after the timeout.
static async Task WaitForAsync(string what, Func<Task<long>> probe, long expected, TimeSpan timeout)
{
    var clock = Stopwatch.StartNew();
    var reported = TimeSpan.Zero;
    while (true)
    {
        var count = await probe();
        if (count >= expected)
        {
            return;
        }
        if (clock.Elapsed > timeout)
        {
            throw new TimeoutException($"{what}: {count:N0} of {expected:N0} after {clock.Elapsed.TotalSeconds:N0} s");
        }
        if (clock.Elapsed - reported >= TimeSpan.FromSeconds(5))
        {
            Console.Error.WriteLine($"  {what}: {count:N0} of {expected:N0} ({clock.Elapsed.TotalSeconds:N0} s)");
            reported = clock.Elapsed;
        }
        await Task.Delay(250);
    }
}

// Waits (at most a minute) until the application uses less than a tenth of a core, so the run starts from quiet.
static async Task<string> SettleAsync(BenchApplication app)
{
    var clock = Stopwatch.StartNew();
    var before = app.Cpu.Sample();
    while (clock.Elapsed < TimeSpan.FromMinutes(1))
    {
        await Task.Delay(TimeSpan.FromSeconds(2));
        var now = app.Cpu.Sample();
        var used = now.Where(g => g.Key != ResourceCpu.Generator).Sum(g => g.Value - before.GetValueOrDefault(g.Key));
        if (used < 0.2)
        {
            return $"quiet after {clock.Elapsed.TotalSeconds:N0} s";
        }
        before = now;
    }
    return $"still busy after {clock.Elapsed.TotalSeconds:N0} s";
}
