using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Alle.Testing.Accounting;

namespace Alle.FaultTests.Scenarios;

public sealed record CacheLossOptions
{
    public TimeSpan Hold { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Track calls sent through the gateway while Redis is down.</summary>
    public int Events { get; init; } = 200;

    public TimeSpan CatchUp { get; init; } = TimeSpan.FromMinutes(2);
}

/// <summary>What a Redis loss showed besides the tallies: the fall-backs the README documents.</summary>
public sealed record CacheLossFindings(
    IReadOnlyList<DeliveryTally> Tallies,
    string TraitBefore,
    string TraitDuringOutage,
    string TraitAfterOutage,
    IReadOnlyList<string> MarketingOutcomes);

/// <summary>
/// Redis stopped for a while. Events are accepted and stored as usual (each replica counts rate limits alone); the Profile API
/// answers from PostgreSQL and serves a trait changed during the outage, and again once Redis is back with the
/// document it held before; the marketing frequency cap, counted in PostgreSQL while Redis is away, still lets no
/// member have more than the cap once Redis is back.
/// </summary>
public sealed class CacheLossScenario(DistributedAppFixture app, Action<string> log)
{
    private const string MarketingCap = "frequency_cap";

    public async Task<CacheLossFindings> RunAsync(CacheLossOptions options)
    {
        await new FaultInjector(app, log).WaitForWholeAsync();
        var run = Guid.NewGuid().ToString("N")[..8];
        var outage = new Outage("cache", options.Hold);
        var stores = new Stores(app);
        var sender = new RetryingSender(app.CreateTrackingClient("mobile"));
        using var giveUp = new CancellationTokenSource(options.Hold + options.CatchUp);

        // One member with marketing consent, in a zone where it is daytime, whose profile Redis holds before the outage.
        var userId = $"{run}-member";
        var phone = TestPhones.New();
        await SendAsync(sender, giveUp.Token, new { type = "identify", messageId = $"{run}-before", userId, traits = new { phone, timezone = TestTimeZones.Daytime(), fault_state = "before" } });
        using (var consent = await app.AdminGateway.PutAsJsonAsync($"/api/messaging/consent/{Uri.EscapeDataString(phone)}",
            new { category = "marketing", subscribed = true, source = "fault test", evidence = "set by a fault test" }))
        {
            consent.EnsureSuccessStatusCode();
        }
        var before = await TraitWhenAsync(userId, value => value == "before", "the trait before the outage");
        var outcomes = new List<string> { await MarketingTextAsync(userId, phone, run, 1) };

        var sent = new List<string>();
        var acknowledged = new HashSet<string>(StringComparer.Ordinal);
        var during = "";
        async Task WhileDownAsync()
        {
            await SendAsync(sender, giveUp.Token, new { type = "identify", messageId = $"{run}-during", userId, traits = new { fault_state = "during" } });
            var sending = Stopwatch.StartNew();
            for (var batch = 0; batch < options.Events / 10; batch++)
            {
                var ids = Enumerable.Range(0, 10).Select(i => $"{run}-e{batch * 10 + i}").ToList();
                sent.AddRange(ids);
                if (await sender.SendBatchAsync([.. ids.Select(id => new { type = "track", messageId = id, userId, @event = $"Fault Cache {run}" })], giveUp.Token))
                {
                    acknowledged.UnionWith(ids);
                }
            }
            during = await TraitWhenAsync(userId, value => value == "during", "the trait changed during the outage");
            outcomes.Add(await MarketingTextAsync(userId, phone, run, 2));
            outcomes.Add(await MarketingTextAsync(userId, phone, run, 3));
            log($"{outage.Name}: {acknowledged.Count} of {sent.Count} events acknowledged in {sending.Elapsed.TotalSeconds:0.0} s, the trait read '{during}', marketing texts: {string.Join(", ", outcomes)}");
        }

        var healedAt = await new FaultInjector(app, log).InjectAsync(outage, WhileDownAsync);
        await app.Resources.WaitForHealthyAsync("cache", TimeSpan.FromMinutes(2));
        // Until a service has its connection back it still falls back; what follows must meet Redis itself.
        foreach (var service in new[] { "profiles", "messaging" })
        {
            var direct = app.CreateClient(service);
            await Eventually.TrueAsync(async () =>
            {
                using var health = await direct.GetAsync("/health");
                return health.IsSuccessStatusCode;
            }, TimeSpan.FromMinutes(1), $"{service} connected to Redis again");
        }
        var recovery = DateTimeOffset.UtcNow - healedAt;

        // A read may be stale for a moment after Redis is back (it still holds the document from before the outage);
        // within seconds the retried invalidation has removed it, and it must not come back.
        await TraitWhenAsync(userId, value => value == "during", "the current trait once Redis is back");
        var reads = new List<string>();
        for (var read = 0; read < 5; read++)
        {
            reads.Add(await TraitWhenAsync(userId, _ => true, "the trait"));
        }
        var after = string.Join(", ", reads.Distinct());
        outcomes.Add(await MarketingTextAsync(userId, phone, run, 4));

        var prefix = $"{run}-e";
        await EventStreamScenario.ConvergeAsync(async () =>
        {
            var warehouse = await stores.WarehouseByPrefixAsync("tracks", prefix);
            var timelines = await stores.TimelinesByPrefixAsync(prefix);
            return acknowledged.All(id => warehouse.ContainsKey(id) && timelines.ContainsKey(id));
        }, options.CatchUp);

        var tallies = new List<DeliveryTally>();
        foreach (var (checkedIn, found) in new[]
        {
            ("warehouse", await stores.WarehouseByPrefixAsync("tracks", prefix)),
            ("timelines", await stores.TimelinesByPrefixAsync(prefix)),
        })
        {
            var ledger = new DeliveryLedger();
            foreach (var id in sent)
            {
                ledger.Sent(id, outage.Name);
                if (acknowledged.Contains(id))
                {
                    ledger.Acknowledged(id);
                }
            }
            foreach (var (id, copies) in found)
            {
                ledger.Stored(id, copies, outage.Name);
            }
            tallies.AddRange(ledger.Tally(checkedIn));
        }
        tallies[0] = tallies[0] with { Recovery = recovery };
        return new CacheLossFindings(tallies, before, during, after, outcomes);
    }

    private static async Task SendAsync(RetryingSender sender, CancellationToken giveUp, object call)
    {
        if (!await sender.SendBatchAsync([call], giveUp))
        {
            throw new InvalidOperationException("A call was not acknowledged.");
        }
    }

    private async Task<string> TraitWhenAsync(string userId, Func<string?, bool> condition, string what) =>
        await Eventually.GetAsync(async () =>
        {
            using var response = await app.AdminGateway.GetAsync($"/api/profiles/v1/spaces/default/collections/users/profiles/user_id:{userId}/traits?include=fault_state");
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return null;
            }
            var value = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("traits").TryGetProperty("fault_state", out var state)
                ? state.GetString() : null;
            return value is not null && condition(value) ? value : null;
        }, TimeSpan.FromSeconds(60), what);

    /// <summary>Sends a marketing text to her and waits for its outcome: <c>delivered</c>, or <c>skipped: reason</c>.</summary>
    private async Task<string> MarketingTextAsync(string userId, string phone, string run, int number)
    {
        using var requested = await app.AdminGateway.PostAsJsonAsync("/api/messaging/messages", new
        {
            to = phone, body = $"Fault run {run}: offer {number}", category = "marketing", userId, idempotencyKey = $"{run}-offer-{number}",
        });
        requested.EnsureSuccessStatusCode();
        var id = (await requested.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        return await Eventually.GetAsync(async () =>
        {
            var message = await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/messaging/messages/{id}");
            return message.GetProperty("status").GetString() switch
            {
                "delivered" => "delivered",
                "skipped" => $"skipped: {message.GetProperty("skipReason").GetString()}",
                "failed" => $"failed: {message.GetProperty("errorMessage").GetString()}",
                _ => null,
            };
        }, TimeSpan.FromSeconds(60), $"the outcome of marketing text {number}");
    }

    /// <summary>The outcomes the cap allows: the first three delivered, the fourth skipped.</summary>
    public static IReadOnlyList<string> ExpectedMarketingOutcomes { get; } = ["delivered", "delivered", "delivered", $"skipped: {MarketingCap}"];
}
