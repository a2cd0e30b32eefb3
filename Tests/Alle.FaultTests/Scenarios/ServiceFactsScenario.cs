using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Alle.Testing.Accounting;

namespace Alle.FaultTests.Scenarios;

public sealed record ServiceFactsOptions
{
    /// <summary>The resource that is down while the services record their facts (ingestion, or the broker).</summary>
    public required Outage Outage { get; init; }

    /// <summary>Each member: an enrolment and a purchase (Loyalty), a text she sends and one she is sent (Messaging).</summary>
    public int Members { get; init; } = 10;

    /// <summary>How long every fact may take to arrive once the resource is back.</summary>
    public TimeSpan CatchUp { get; init; } = TimeSpan.FromMinutes(3);
}

/// <param name="LongestWait">How long the first fact recorded waited in its outbox for the resource to come back.</param>
public sealed record ServiceFactsFindings(IReadOnlyList<DeliveryTally> Tallies, TimeSpan LongestWait);

/// <summary>
/// Facts the services record while a resource they deliver to is down: Loyalty's enrolments and purchases (track and
/// identify calls to ingestion), Messaging's inbound texts through the Twilio sandbox (<c>SMS Received</c> to ingestion)
/// and its status callbacks (<c>MessageStatusChanged</c> on the bus). They are recorded at the start of the outage,
/// so each waits in its service's outbox for nearly all of it; once the resource is back every fact must arrive exactly
/// once: the tracking calls in the warehouse and on the member's timeline, the status changes on the bus.
/// </summary>
public sealed class ServiceFactsScenario(DistributedAppFixture app, Action<string> log)
{
    private const string Provider = "prv_back_bay_derm";

    private sealed record Member(string MemberId, string Phone);

    public async Task<ServiceFactsFindings> RunAsync(ServiceFactsOptions options)
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var stores = new Stores(app);
        var injector = new FaultInjector(app, log);
        await injector.WaitForWholeAsync();
        var sandbox = app.CreateClient("twilio-sandbox");
        var desk = app.CreateClient("gateway");
        desk.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", app.Parameter("provider-key"));
        await using var statusProbe = await StatusChangeProbe.StartAsync(app);

        // Tracking facts known from the requests themselves; the services' outboxes add what else they recorded (identify calls).
        var trackingFacts = new ConcurrentDictionary<string, byte>(StringComparer.Ordinal);
        var members = new ConcurrentBag<Member>();
        var textIds = new ConcurrentBag<Guid>();
        var purchases = new ConcurrentBag<string>();
        var firstFactAt = DateTimeOffset.MaxValue;
        var lastFactAt = DateTimeOffset.MinValue;
        var factTimes = new Lock();

        void Recorded()
        {
            lock (factTimes)
            {
                var now = DateTimeOffset.UtcNow;
                firstFactAt = now < firstFactAt ? now : firstFactAt;
                lastFactAt = now > lastFactAt ? now : lastFactAt;
            }
        }

        async Task ProduceAsync(int index)
        {
            var phone = TestPhones.New("617");
            using var enrolled = await app.AdminGateway.PostAsJsonAsync("/api/loyalty/members", new
            {
                phone, firstName = "Fault", lastName = $"Member{index}", email = $"fault.{run}.{index}@example.com", zip = "02116",
                marketingConsent = false, source = "portal",
            });
            await EnsureAsync(enrolled, HttpStatusCode.Created, "enrolment");
            var memberId = (await enrolled.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("memberId").GetString()!;
            members.Add(new Member(memberId, phone));
            trackingFacts[$"loyalty-member-enrolled:{memberId}"] = 0;
            Recorded();

            var purchaseId = $"pur-{run}-{index}";
            using var purchased = await desk.PostAsJsonAsync($"/api/loyalty/providers/{Provider}/purchases", new
            {
                purchaseId, memberId, treatments = new[] { new { product = "botox-cosmetic", amount = 480m } },
            });
            await EnsureAsync(purchased, HttpStatusCode.Created, "purchase");
            // The desk sends it again, as it would after a timeout: the same purchase, replayed, earns nothing more.
            using var resent = await desk.PostAsJsonAsync($"/api/loyalty/providers/{Provider}/purchases", new
            {
                purchaseId, memberId, treatments = new[] { new { product = "botox-cosmetic", amount = 480m } },
            });
            await EnsureAsync(resent, HttpStatusCode.OK, "repeated purchase");
            purchases.Add(purchaseId);
            trackingFacts[$"loyalty-purchase-completed:{purchaseId}"] = 0;
            trackingFacts[$"loyalty-points-earned:{purchaseId}"] = 0;
            Recorded();

            using var replied = await sandbox.PostAsJsonAsync($"/api/inbox/{Uri.EscapeDataString(phone)}/reply", new { body = $"Fault run {run}: is my appointment on Friday?" });
            await EnsureAsync(replied, HttpStatusCode.OK, "inbound text");
            var reply = await replied.Content.ReadFromJsonAsync<JsonElement>();
            if (reply.GetProperty("webhookStatus").ValueKind != JsonValueKind.Number || reply.GetProperty("webhookStatus").GetInt32() != 200)
            {
                throw new InvalidOperationException($"Messaging did not take the inbound text: {reply}");
            }
            trackingFacts[$"sms-received-{reply.GetProperty("sid").GetString()}"] = 0;
            Recorded();

            using var texted = await app.AdminGateway.PostAsJsonAsync("/api/messaging/messages", new
            {
                to = phone, body = $"Fault run {run}: your appointment is confirmed.", category = "transactional", userId = memberId,
            });
            await EnsureAsync(texted, HttpStatusCode.Accepted, "outbound text");
            textIds.Add((await texted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid());
            Recorded();
        }

        async Task WhileDownAsync()
        {
            await Task.WhenAll(Enumerable.Range(0, options.Members).Select(ProduceAsync));
            // Every outbound text settled (delivered) while the resource is still down, so its status facts wait too.
            await Eventually.TrueAsync(async () => (await stores.QueryAsync("messagingdb",
                    "SELECT count(*) FROM messages WHERE id = ANY($1) AND status = 'delivered'", textIds.ToArray()))[0][0] is long delivered
                    && delivered == textIds.Count,
                TimeSpan.FromMinutes(1), "every outbound text delivered");
            log($"{options.Outage.Name}: {members.Count} members enrolled, bought, texted and were texted within {(lastFactAt - firstFactAt).TotalSeconds:0} s");
        }

        var healedAt = await injector.InjectAsync(options.Outage, WhileDownAsync);
        log($"{options.Outage.Name}: the first fact waited {(healedAt - firstFactAt).TotalSeconds:0} s, the last {(healedAt - lastFactAt).TotalSeconds:0} s");

        var memberKeys = members.Select(m => $"member:{m.MemberId}").ToArray();
        var messageKeys = textIds.Select(id => $"message:{id:N}").ToArray();
        async Task<(string[] Tracking, string[] Status)> RecordedFactsAsync()
        {
            var loyalty = await stores.QueryAsync("loyaltydb",
                "SELECT message_id FROM outbox_messages WHERE destination = 'tracking' AND ordering_key = ANY($1)", (object)memberKeys);
            var status = await stores.QueryAsync("messagingdb",
                "SELECT message_id FROM outbox_messages WHERE destination = 'bus' AND ordering_key = ANY($1)", (object)messageKeys);
            return ([.. trackingFacts.Keys.Union(loyalty.Select(row => (string)row[0]!))], [.. status.Select(row => (string)row[0]!)]);
        }

        string[] UserIds() => [.. members.Select(m => m.MemberId)];
        Task<Dictionary<string, long>> TimelinesAsync(string[] ids) => stores.TimelinesAsync(ids, UserIds());
        Dictionary<string, long> StatusesReceived() => statusProbe.ReceivedAbout([.. textIds]);
        async Task<Dictionary<string, long>> WarehouseAsync(string[] ids)
        {
            var found = await stores.WarehouseAsync("tracks", ids, UserIds());
            foreach (var (id, count) in await stores.WarehouseAsync("identifies", ids, UserIds()))
            {
                found[id] = found.GetValueOrDefault(id) + count;
            }
            return found;
        }

        var caughtUp = await EventStreamScenario.ConvergeAsync(async () =>
        {
            var (tracking, status) = await RecordedFactsAsync();
            return tracking.All((await WarehouseAsync(tracking)).ContainsKey)
                && tracking.All((await TimelinesAsync(tracking)).ContainsKey)
                && status.All(StatusesReceived().ContainsKey);
        }, options.CatchUp);
        var recovery = DateTimeOffset.UtcNow - healedAt;
        log(caughtUp
            ? $"{options.Outage.Name}: every fact arrived {recovery.TotalSeconds:0} s after the start"
            : $"{options.Outage.Name}: not every fact had arrived {recovery.TotalSeconds:0} s after the start; classifying what is there");

        var (trackingIds, statusIds) = await RecordedFactsAsync();
        return new ServiceFactsFindings(
        [
            Tally(trackingIds, await WarehouseAsync(trackingIds), "warehouse") with { Recovery = caughtUp ? recovery : null },
            Tally(trackingIds, await TimelinesAsync(trackingIds), "timelines"),
            Tally(statusIds, StatusesReceived(), "bus (MessageStatusChanged)"),
            Tally([.. purchases], await EarnedAsync(), "points ledger"),
        ], healedAt - firstFactAt);

        async Task<Dictionary<string, long>> EarnedAsync() =>
            (await stores.QueryAsync("loyaltydb",
                "SELECT purchase_id, count(*) FROM ledger_entries WHERE kind = 'earn' AND (purchase_id = ANY($1) OR member_id = ANY($2)) GROUP BY purchase_id",
                purchases.ToArray(), UserIds()))
            .ToDictionary(row => (string)row[0]!, row => (long)row[1]!, StringComparer.Ordinal);

        DeliveryTally Tally(string[] ids, Dictionary<string, long> found, string checkedIn)
        {
            // Every fact here was committed by a service that answered 2xx: sent and acknowledged alike.
            var ledger = new DeliveryLedger();
            foreach (var id in ids)
            {
                ledger.Sent(id, options.Outage.Name);
                ledger.Acknowledged(id);
            }
            foreach (var (id, copies) in found)
            {
                ledger.Stored(id, copies, options.Outage.Name);
            }
            return ledger.Tally(checkedIn) is [var tally] ? tally : new DeliveryTally(options.Outage.Name, checkedIn, 0, 0, 0, 0, 0, 0);
        }
    }

    private static async Task EnsureAsync(HttpResponseMessage response, HttpStatusCode expected, string what)
    {
        if (response.StatusCode != expected)
        {
            throw new InvalidOperationException($"The {what} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }
}
