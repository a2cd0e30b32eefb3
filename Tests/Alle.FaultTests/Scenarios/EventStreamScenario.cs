using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Alle.Testing.Accounting;

namespace Alle.FaultTests.Scenarios;

public sealed record EventStreamOptions
{
    /// <summary>Injected one after another, each once the application is whole again after the previous one.</summary>
    public required IReadOnlyList<Fault> Faults { get; init; }

    public int Senders { get; init; } = 4;

    public int BatchSize { get; init; } = 10;

    /// <summary>The pace the senders aim for together; retries during a fault hold a sender back, as they would an SDK.</summary>
    public int EventsPerSecond { get; init; } = 150;

    /// <summary>Each fault's events go to users of their own, so an event counter per user tells which fault lost or doubled one.</summary>
    public int UsersPerFault { get; init; } = 4;

    /// <summary>
    /// Events sent at once (batches of 100) just before each fault, so the consumers are busy with a backlog when it
    /// strikes rather than idle between two small batches.
    /// </summary>
    public int BurstBeforeEachFault { get; init; }

    /// <summary>Sending goes on after the last fault until at least this many events were sent.</summary>
    public long MinimumEvents { get; init; }

    /// <summary>Steady sending before the first fault and after each recovery.</summary>
    public TimeSpan Settle { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>How long the stores may take to hold everything once sending stopped.</summary>
    public TimeSpan CatchUp { get; init; } = TimeSpan.FromMinutes(3);
}

/// <summary>
/// A stream of track calls through the gateway from SDK-style senders (<see cref="RetryingSender"/>) while faults are
/// injected in turn. Every event is attributed to the fault during which it was first sent, then looked for in the
/// warehouse (<c>tracks</c>), on its user's profile timeline, and in an event-counter computed trait per user.
/// </summary>
public sealed class EventStreamScenario(DistributedAppFixture app, Action<string> log)
{
    private sealed record Phase(int Index, string Name, IReadOnlyList<string> Users);

    private sealed record SentEvent(Phase Phase, string UserId);

    public async Task<IReadOnlyList<DeliveryTally>> RunAsync(EventStreamOptions options)
    {
        var run = $"fs{Guid.NewGuid():N}"[..12];
        var eventName = $"Fault Stream {run}";
        var counter = $"fault_events_{run}";
        var stores = new Stores(app);
        var injector = new FaultInjector(app, log);
        await injector.WaitForWholeAsync();

        using (var created = await app.AdminGateway.PostAsJsonAsync("/api/audiences/computed-traits", new
        {
            key = counter, name = $"Fault stream events {run}", definition = new { kind = "counter", @event = eventName },
        }))
        {
            if (created.StatusCode != HttpStatusCode.Created)
            {
                throw new InvalidOperationException($"The event counter was not created: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync()}");
            }
        }

        Phase NewPhase(int index, string name) =>
            new(index, name, [.. Enumerable.Range(0, options.UsersPerFault).Select(u => $"{run}-{index}-user{u}")]);
        var phases = new List<Phase> { NewPhase(0, "no fault") };
        phases.AddRange(options.Faults.Select((fault, i) => NewPhase(i + 1, fault.Name)));
        phases.Add(NewPhase(phases.Count, "after the faults"));
        var current = phases[0];

        var sent = new ConcurrentDictionary<string, SentEvent>(StringComparer.Ordinal);
        var acknowledged = new ConcurrentDictionary<string, byte>(StringComparer.Ordinal);
        long sequence = 0, lastAcknowledgedTicks = 0;
        using var stopSending = new CancellationTokenSource();
        using var giveUp = new CancellationTokenSource();

        // One batch of calls for a phase's users, recorded as sent and, when the gateway takes it, acknowledged.
        async Task SendBatchAsync(RetryingSender sender, Phase phase, int size, Random random, int senderIndex)
        {
            var calls = new List<object>(size);
            var ids = new List<string>(size);
            for (var i = 0; i < size; i++)
            {
                var id = $"{run}-{phase.Index}-{Interlocked.Increment(ref sequence)}";
                var userId = phase.Users[random.Next(phase.Users.Count)];
                sent[id] = new SentEvent(phase, userId);
                ids.Add(id);
                calls.Add(new { type = "track", messageId = id, userId, @event = eventName, properties = new { sender = senderIndex } });
            }
            if (await sender.SendBatchAsync(calls, giveUp.Token))
            {
                foreach (var id in ids)
                {
                    acknowledged[id] = 0;
                }
                Interlocked.Exchange(ref lastAcknowledgedTicks, DateTimeOffset.UtcNow.UtcTicks);
            }
        }

        async Task BurstAsync(Phase phase)
        {
            var sender = new RetryingSender(app.CreateTrackingClient("mobile"));
            var batches = (options.BurstBeforeEachFault + 99) / 100;
            await Parallel.ForEachAsync(Enumerable.Range(0, batches), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (batch, _) =>
                await SendBatchAsync(sender, phase, 100, new Random(batch), -1));
        }

        async Task SendAsync(int senderIndex)
        {
            var sender = new RetryingSender(app.CreateTrackingClient("mobile"));
            var interval = TimeSpan.FromSeconds((double)options.BatchSize * options.Senders / options.EventsPerSecond);
            var due = Stopwatch.GetTimestamp() + (long)(interval.TotalSeconds * Stopwatch.Frequency * senderIndex / options.Senders);
            var random = new Random(senderIndex);
            while (!stopSending.IsCancellationRequested)
            {
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, stopSending.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    if (stopSending.IsCancellationRequested)
                    {
                        break;
                    }
                }
                // After a stall (retries through a fault) the pace picks up from now rather than bursting to catch up.
                due = Math.Max(due + (long)(interval.TotalSeconds * Stopwatch.Frequency), Stopwatch.GetTimestamp());

                await SendBatchAsync(sender, Volatile.Read(ref current), options.BatchSize, random, senderIndex);
            }
        }

        var senders = Enumerable.Range(0, options.Senders).Select(SendAsync).ToList();
        var recoveries = new Dictionary<string, TimeSpan>();
        try
        {
            await Task.Delay(options.Settle);
            foreach (var (fault, phase) in options.Faults.Zip(phases.Skip(1)))
            {
                Volatile.Write(ref current, phase);
                if (options.BurstBeforeEachFault > 0)
                {
                    await BurstAsync(phase);
                }
                var healedAt = await injector.InjectAsync(fault);
                await injector.WaitForWholeAsync();
                var wholeAt = DateTimeOffset.UtcNow;
                await Eventually.TrueAsync(() => Task.FromResult(Interlocked.Read(ref lastAcknowledgedTicks) > healedAt.UtcTicks),
                    TimeSpan.FromMinutes(2), $"an acknowledged request after {fault.Name}");
                var acknowledgedAt = new DateTimeOffset(Interlocked.Read(ref lastAcknowledgedTicks), TimeSpan.Zero);
                recoveries[phase.Name] = (acknowledgedAt > wholeAt ? acknowledgedAt : wholeAt) - healedAt;
                log($"{fault.Name}: recovered in {recoveries[phase.Name].TotalSeconds:0.0} s; {sent.Count:N0} events sent so far, {acknowledged.Count:N0} acknowledged");
                await Task.Delay(options.Settle);
            }
            Volatile.Write(ref current, phases[^1]);
            await Task.Delay(options.Settle);
            await Eventually.TrueAsync(() => Task.FromResult(sent.Count >= options.MinimumEvents),
                TimeSpan.FromHours(1), $"{options.MinimumEvents:N0} events sent");
        }
        finally
        {
            await stopSending.CancelAsync();
            // A batch still being retried gets a minute to be acknowledged; after that it counts as never acknowledged.
            giveUp.CancelAfter(TimeSpan.FromMinutes(1));
            await Task.WhenAll(senders);
        }
        log($"sending stopped: {sent.Count:N0} events sent, {acknowledged.Count:N0} acknowledged");

        var caughtUp = Stopwatch.StartNew();
        var progressAt = TimeSpan.Zero;
        var converged = await ConvergeAsync(async () =>
        {
            var warehouse = await stores.WarehouseByPrefixAsync("tracks", run);
            var timelines = await stores.TimelinesByPrefixAsync(run);
            var values = await stores.ComputedValuesAsync(counter);
            var expected = ExpectedCounts(warehouse);
            var (inWarehouse, onTimelines) = (acknowledged.Keys.Count(warehouse.ContainsKey), acknowledged.Keys.Count(timelines.ContainsKey));
            var countersRight = expected.Count(e => values.GetValueOrDefault(e.Key) == e.Value);
            if (caughtUp.Elapsed - progressAt > TimeSpan.FromSeconds(10))
            {
                progressAt = caughtUp.Elapsed;
                log($"catching up after {caughtUp.Elapsed.TotalSeconds:0} s: of {acknowledged.Count:N0} acknowledged, {inWarehouse:N0} in the warehouse, " +
                    $"{onTimelines:N0} on timelines; {countersRight} of {expected.Count} event counters right");
            }
            return inWarehouse == acknowledged.Count && onTimelines == acknowledged.Count && countersRight == expected.Count;
        }, options.CatchUp);
        log(converged
            ? $"every store caught up {caughtUp.Elapsed.TotalSeconds:0} s after sending stopped"
            : $"the stores had not caught up after {options.CatchUp.TotalSeconds:0} s; classifying what is there");

        var stored = await stores.WarehouseByPrefixAsync("tracks", run);
        var onTimelines = await stores.TimelinesByPrefixAsync(run);
        var counted = await stores.ComputedValuesAsync(counter);
        var warehouseLedger = Ledger(stored);
        var timelineLedger = Ledger(onTimelines);
        var warehouseTallies = warehouseLedger.Tally("warehouse");
        var timelineTallies = timelineLedger.Tally("timelines");
        foreach (var (checkedIn, ledger) in new[] { ("warehouse", warehouseLedger), ("timelines", timelineLedger) })
        {
            foreach (var outcome in new[] { DeliveryOutcome.Lost, DeliveryOutcome.Duplicated, DeliveryOutcome.Unexpected })
            {
                if (ledger.Having(outcome) is { Count: > 0 } ids)
                {
                    log($"{outcome} in {checkedIn}: {string.Join(", ", ids.Take(20))}{(ids.Count > 20 ? ", …" : "")}");
                }
            }
        }
        var expectedCounts = ExpectedCounts(stored);

        var tallies = new List<DeliveryTally>();
        foreach (var phase in phases)
        {
            tallies.AddRange(warehouseTallies.Where(t => t.Fault == phase.Name)
                .Select(t => t with { Recovery = recoveries.TryGetValue(phase.Name, out var recovery) ? recovery : null }));
            tallies.AddRange(timelineTallies.Where(t => t.Fault == phase.Name));
            tallies.Add(DeliveryTally.OfCounts(phase.Name, "event counter",
                phase.Users.ToDictionary(u => u, u => expectedCounts.GetValueOrDefault(u)),
                counted.Where(c => phase.Users.Contains(c.Key)).ToDictionary()));
        }
        tallies.AddRange(warehouseTallies.Concat(timelineTallies).Where(t => t.Fault == DeliveryLedger.NeverSent));
        var strangers = counted.Where(c => !phases.Any(p => p.Users.Contains(c.Key))).ToDictionary();
        if (strangers.Count > 0)
        {
            tallies.Add(DeliveryTally.OfCounts(DeliveryLedger.NeverSent, "event counter", new Dictionary<string, long>(), strangers));
        }
        return tallies;

        DeliveryLedger Ledger(Dictionary<string, long> found)
        {
            var ledger = new DeliveryLedger();
            foreach (var (id, sentEvent) in sent)
            {
                ledger.Sent(id, sentEvent.Phase.Name);
                if (acknowledged.ContainsKey(id))
                {
                    ledger.Acknowledged(id);
                }
            }
            foreach (var (id, copies) in found)
            {
                ledger.Stored(id, copies, PhaseOf(id)?.Name);
            }
            return ledger;
        }

        Phase? PhaseOf(string id) =>
            id.Split('-') is [_, var index, _] && int.TryParse(index, out var i) && i >= 0 && i < phases.Count ? phases[i] : null;

        // An event counts once for its user if it was acknowledged or reached the warehouse (a timed-out request that landed).
        Dictionary<string, long> ExpectedCounts(Dictionary<string, long> inWarehouse) =>
            sent.Where(s => acknowledged.ContainsKey(s.Key) || inWarehouse.ContainsKey(s.Key))
                .GroupBy(s => s.Value.UserId, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => (long)g.Count(), StringComparer.Ordinal);
    }

    /// <summary>Waits for the condition; false (rather than an exception) when it does not hold in time, so what is there can be classified.</summary>
    internal static async Task<bool> ConvergeAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        try
        {
            await Eventually.TrueAsync(condition, timeout, "the stores to catch up");
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }
}
