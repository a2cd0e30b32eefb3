using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;

// Coupon issue and redemption against a running application: enrols members, creates offers, issues every
// (member, offer) coupon through the journeys' API, repeats the issue (idempotent path), redeems every coupon at a
// provider, and prints throughput and latency percentiles per operation. Bounded in count; stops by itself.
var arguments = Arguments.Parse(args);
var baseAddress = new Uri(arguments.Get("--url"));
var members = int.Parse(arguments.Get("--members", "1000"), CultureInfo.InvariantCulture);
var offers = int.Parse(arguments.Get("--offers", "2"), CultureInfo.InvariantCulture);
var concurrency = int.Parse(arguments.Get("--concurrency", "32"), CultureInfo.InvariantCulture);
const string Provider = "prv_chelsea_skin";

using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = concurrency * 2, PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
using var admin = Client(arguments.Get("--admin-key"));
using var provider = Client(arguments.Get("--provider-key"));
var results = new List<Measurement>();

var memberIds = new string[members];
results.Add(await MeasureAsync("enrol member", members, async i =>
{
    using var response = await admin.PostAsJsonAsync("/api/loyalty/members", new
    {
        phone = $"+1212{RandomNumberGenerator.GetInt32(2_000_000, 9_999_999)}", firstName = "Bench", lastName = $"Member{i}", marketingConsent = false,
    });
    response.EnsureSuccessStatusCode();
    memberIds[i] = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("memberId").GetString()!;
}));

var offerIds = new List<Guid>();
for (var o = 0; o < offers; o++)
{
    using var response = await admin.PostAsJsonAsync("/api/loyalty/offers", new
    {
        title = $"Benchmark offer {o}", value = 25m, startsAt = DateTimeOffset.UtcNow.AddMinutes(-1), endsAt = DateTimeOffset.UtcNow.AddDays(7),
    });
    response.EnsureSuccessStatusCode();
    offerIds.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("offerId").GetGuid());
}

var codes = new string[members * offers];
results.Add(await MeasureAsync("issue coupon (new)", codes.Length, async i =>
{
    using var response = await admin.PostAsJsonAsync($"/api/loyalty/offers/{offerIds[i % offers]}/coupons", new { memberId = memberIds[i / offers] });
    response.EnsureSuccessStatusCode();
    codes[i] = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString()!;
}));

results.Add(await MeasureAsync("issue coupon (repeat)", codes.Length, async i =>
{
    using var response = await admin.PostAsJsonAsync($"/api/loyalty/offers/{offerIds[i % offers]}/coupons", new { memberId = memberIds[i / offers] });
    response.EnsureSuccessStatusCode();
    if ((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString() != codes[i])
    {
        throw new InvalidOperationException("A repeated issue returned a different code.");
    }
}));

results.Add(await MeasureAsync("redeem coupon", codes.Length, async i =>
{
    using var response = await provider.PostAsJsonAsync($"/api/loyalty/providers/{Provider}/coupons/{codes[i]}/redemption", new { memberId = memberIds[i / offers] });
    response.EnsureSuccessStatusCode();
}));

results.Add(await MeasureAsync("redeem coupon (again, refused)", codes.Length, async i =>
{
    using var response = await provider.PostAsJsonAsync($"/api/loyalty/providers/{Provider}/coupons/{codes[i]}/redemption", new { memberId = memberIds[i / offers] });
    if ((int)response.StatusCode != 409)
    {
        throw new InvalidOperationException($"A second redemption answered {(int)response.StatusCode}, not 409.");
    }
}));

Console.WriteLine();
Console.WriteLine($"Loyalty coupons through {baseAddress} ({Environment.ProcessorCount} cores, {concurrency} concurrent requests)");
Console.WriteLine();
Console.WriteLine("| operation | requests | errors | req/s | p50 ms | p95 ms | p99 ms | max ms |");
Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
foreach (var m in results)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {m.Name} | {m.Count} | {m.Errors} | {m.Count / m.Elapsed.TotalSeconds:0} | {m.Percentile(0.50):0.0} | {m.Percentile(0.95):0.0} | {m.Percentile(0.99):0.0} | {m.Percentile(1.0):0.0} |"));
}
return results.Any(m => m.Errors > 0) ? 1 : 0;

HttpClient Client(string key)
{
    var client = new HttpClient(handler, disposeHandler: false) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
    client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
    return client;
}

async Task<Measurement> MeasureAsync(string name, int count, Func<int, Task> operation)
{
    var latencies = new double[count];
    var errors = 0;
    var next = -1;
    var total = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
    {
        int i;
        while ((i = Interlocked.Increment(ref next)) < count)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                await operation(i);
            }
            catch (Exception exception) when (exception is HttpRequestException or InvalidOperationException or TaskCanceledException)
            {
                if (Interlocked.Increment(ref errors) <= 3)
                {
                    Console.Error.WriteLine($"{name}: {exception.Message}");
                }
            }
            latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }
    }));
    return new Measurement(name, count, errors, total.Elapsed, latencies);
}

internal sealed record Measurement(string Name, int Count, int Errors, TimeSpan Elapsed, double[] Latencies)
{
    private readonly double[] _sorted = [.. Latencies.Order()];

    public double Percentile(double p) => _sorted[Math.Clamp((int)Math.Ceiling(p * _sorted.Length) - 1, 0, _sorted.Length - 1)];
}

internal sealed class Arguments(Dictionary<string, string> values)
{
    public static Arguments Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            values[args[i]] = args[i + 1];
        }
        return new Arguments(values);
    }

    public string Get(string name, string? fallback = null) =>
        values.TryGetValue(name, out var value) ? value : fallback ?? throw new ArgumentException($"{name} is required.");
}
