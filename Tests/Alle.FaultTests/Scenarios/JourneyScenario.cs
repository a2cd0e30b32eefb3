using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Alle.Testing.Accounting;

namespace Alle.FaultTests.Scenarios;

public sealed record JourneyOptions
{
    /// <summary>Members whose event enters them into the journey.</summary>
    public int Entries { get; init; } = 200;

    /// <summary>Messaging is killed this many times while the journey's texts go out, spread over the sending.</summary>
    public int Kills { get; init; } = 3;

    public TimeSpan CatchUp { get; init; } = TimeSpan.FromMinutes(3);
}

/// <summary>
/// A journey texting every member whose track event enters her, while Messaging is SIGKILLed again and again. Each
/// member must get exactly one journey entry, one message intent and one text in her phone's inbox; a tenth as many
/// members, identified but never entered, must get nothing. A text already on its way to the provider when the process
/// died, which Messaging left <c>sending</c> unconfirmed (it never sends one twice), is counted as in doubt.
/// </summary>
public sealed class JourneyScenario(DistributedAppFixture app, Action<string> log)
{
    private sealed record Member(string UserId, string Phone);

    public async Task<IReadOnlyList<DeliveryTally>> RunAsync(JourneyOptions options)
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var marker = $"Fault journey {run}";
        var eventName = $"Fault Journey {run}";
        var fault = $"messaging SIGKILL ×{options.Kills}";
        var stores = new Stores(app);
        var injector = new FaultInjector(app, log);
        await injector.WaitForWholeAsync();
        var sandbox = app.CreateClient("twilio-sandbox");

        string journeyId;
        using (var created = await app.AdminGateway.PostAsJsonAsync("/api/messaging/journeys", new
        {
            name = $"Fault journey {run}",
            trigger = new { type = "event", @event = eventName },
            template = marker + ": welcome, {{ traits.first_name }}.",
            category = "transactional",
        }))
        {
            if (created.StatusCode != HttpStatusCode.Created)
            {
                throw new InvalidOperationException($"The journey was not created: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync()}");
            }
            journeyId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        }

        Member NewMember(string kind, int i) => new($"{run}-{kind}{i}", TestPhones.New());
        var entering = Enumerable.Range(0, options.Entries).Select(i => NewMember("m", i)).ToList();
        var bystanders = Enumerable.Range(0, Math.Max(1, options.Entries / 10)).Select(i => NewMember("b", i)).ToList();

        // Each member's identify (her phone) and, for those entering, the journey's event, in one batch per 50 members,
        // so Profiles knows her phone by the time the journey looks her up.
        var acknowledged = new ConcurrentDictionary<string, byte>(StringComparer.Ordinal);
        var sender = new RetryingSender(app.CreateTrackingClient("mobile"));
        using var giveUp = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var people = entering.Select(m => (Member: m, Enters: true)).Concat(bystanders.Select(m => (Member: m, Enters: false))).ToList();
        foreach (var chunk in people.Chunk(50))
        {
            var calls = new List<object>();
            foreach (var (member, enters) in chunk)
            {
                calls.Add(new { type = "identify", messageId = $"{member.UserId}-identify", userId = member.UserId, traits = new { phone = member.Phone, first_name = "Member" } });
                if (enters)
                {
                    calls.Add(new { type = "track", messageId = $"{member.UserId}-enter", userId = member.UserId, @event = eventName });
                }
            }
            if (!await sender.SendBatchAsync(calls, giveUp.Token))
            {
                throw new InvalidOperationException("The members' events were not acknowledged.");
            }
            foreach (var (member, enters) in chunk.Where(c => c.Enters))
            {
                acknowledged[member.UserId] = 0;
            }
        }
        log($"{fault}: {entering.Count} members entering the journey, {bystanders.Count} bystanders");

        async Task<long> HandedToTwilioAsync() => (long)(await stores.QueryAsync("messagingdb",
            "SELECT count(*) FROM messages WHERE journey_id = $1 AND status NOT IN ('pending', 'deferred')", Guid.Parse(journeyId)))[0][0]!;

        var kills = new List<DateTimeOffset>();
        for (var k = 1; k <= options.Kills; k++)
        {
            // Spread the kills over the sending: the k-th once k/(kills + 1) of the texts have gone out.
            var threshold = options.Entries * k / (options.Kills + 1);
            await Eventually.TrueAsync(async () => await HandedToTwilioAsync() >= threshold, options.CatchUp, $"{threshold} journey texts handed to Twilio");
            kills.Add(await injector.InjectAsync(new Kill("messaging")));
            await app.Resources.WaitForHealthyAsync("messaging", TimeSpan.FromMinutes(3));
        }
        var lastKill = kills.Count > 0 ? kills[^1] : DateTimeOffset.UtcNow;

        // Settled: every entering member has her message, and each is delivered or was left sending by a kill.
        var journey = Guid.Parse(journeyId);
        const string Messages = "SELECT user_id, status, provider_sid, updated_at FROM messages WHERE journey_id = $1";
        bool InDoubt(object?[] row) => (string)row[1]! == "sending" && row[2] is null && (DateTime)row[3]! < lastKill.UtcDateTime;
        var settled = await EventStreamScenario.ConvergeAsync(async () =>
        {
            var messages = await stores.QueryAsync("messagingdb", Messages, journey);
            return messages.Count >= entering.Count && messages.All(row => (string)row[1]! == "delivered" || InDoubt(row));
        }, options.CatchUp);
        var recovery = DateTimeOffset.UtcNow - lastKill;
        log(settled
            ? $"{fault}: every text settled {recovery.TotalSeconds:0} s after the last kill"
            : $"{fault}: the texts had not settled {recovery.TotalSeconds:0} s after the last kill; classifying what is there");

        var entries = await stores.QueryAsync("messagingdb", "SELECT user_id, count(*) FROM journey_entries WHERE journey_id = $1 GROUP BY user_id", journey);
        var intents = await stores.QueryAsync("messagingdb", Messages, journey);
        var inDoubt = intents.Where(InDoubt).Select(row => (string)row[0]!).ToHashSet(StringComparer.Ordinal);
        var texts = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(entering.Concat(bystanders), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (member, token) =>
        {
            var inbox = await sandbox.GetFromJsonAsync<JsonElement>($"/api/inbox/{Uri.EscapeDataString(member.Phone)}", token);
            texts[member.UserId] = inbox.GetProperty("messages").EnumerateArray()
                .Count(m => m.GetProperty("to").GetString() == member.Phone && m.GetProperty("body").GetString()!.StartsWith(marker, StringComparison.Ordinal));
        });
        log($"{fault}: {inDoubt.Count} texts were on their way to the provider at a kill");

        return
        [
            Tally("journey entries", entries.ToDictionary(row => (string)row[0]!, row => (long)row[1]!)) with { Recovery = settled ? recovery : null },
            Tally("message intents", intents.GroupBy(row => (string)row[0]!).ToDictionary(g => g.Key, g => (long)g.Count())),
            Tally("texts in the inbox", texts.ToDictionary(t => t.Key, t => t.Value), withDoubt: true),
        ];

        DeliveryTally Tally(string checkedIn, Dictionary<string, long> found, bool withDoubt = false)
        {
            var ledger = new DeliveryLedger();
            foreach (var member in entering)
            {
                ledger.Sent(member.UserId, fault);
                if (acknowledged.ContainsKey(member.UserId))
                {
                    ledger.Acknowledged(member.UserId);
                }
                if (withDoubt && inDoubt.Contains(member.UserId))
                {
                    ledger.InDoubt(member.UserId);
                }
            }
            foreach (var (userId, copies) in found.Where(f => f.Value > 0))
            {
                ledger.Stored(userId, copies, fault);
            }
            return ledger.Tally(checkedIn) is [var tally] ? tally : throw new InvalidOperationException("One fault, one line.");
        }
    }
}
