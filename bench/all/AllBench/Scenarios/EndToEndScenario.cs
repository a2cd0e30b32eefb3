using System.Diagnostics;
using Alle.Bench.All.Load;
using Alle.Bench.All.Measurement;
using Alle.Bench.All.Reporting;
using Npgsql;

namespace Alle.Bench.All.Scenarios;

/// <summary>
/// End to end: <c>/v1/batch</c> calls of 100 events through the gateway at the target rate (open loop) for the run's
/// duration, and then the time until every accepted event is in the warehouse (<c>tracks</c>), on its profile
/// (Profiles' <c>events</c>) and in Audiences' copy of the profile, where it was evaluated against an audience that
/// depends on it; Messaging evaluates each against an event-triggered journey on the same event (whose filter never
/// matches, so nothing is texted) and is done when its queue is empty. The backlog of every queue is polled meanwhile.
/// A stage's rate is the accepted events over the time from the first call until that stage held all of them.
/// </summary>
internal static class EndToEndScenario
{
    private const int BatchSize = 100;

    public static async Task RunAsync(BenchRun run, string name)
    {
        var app = run.App;
        var setup = new PlatformSetup(app);
        var suffix = Guid.NewGuid().ToString("N")[..8];
        await setup.CreateAudienceAsync($"bench-searchers-{suffix}", $$"""{"event": "{{TrackingTraffic.EventName}}", "within": "30d"}""");
        await setup.CreateJourneyAsync(new
        {
            name = $"Bench never-matching trigger {suffix}",
            trigger = new { type = "event", @event = TrackingTraffic.EventName, filters = new[] { new { property = "zip", @operator = "equals", value = "00000" } } },
            steps = new object[] { new { id = "text", type = "send_sms", template = "Never sent." } },
        });

        using var traffic = new TrackingTraffic(app.Endpoint("gateway"), app.WriteKey("portal"), $"e2e{suffix}-");
        await traffic.WarmUpAsync(200);
        await run.Queues.WaitUntilEmptyAsync(TimeSpan.FromMinutes(2));
        run.Queues.Reset();
        var statements = new StatementStatistics(app.ConnectionString("warehousedb"));
        await statements.ResetAsync();

        var duration = TimeSpan.FromSeconds(run.Options.Seconds);
        Console.Error.WriteLine($"{name}: {run.Options.Rate:N0} events/s in batches of {BatchSize} for {duration.TotalSeconds:0} s…");
        var clock = Stopwatch.StartNew();
        var before = app.Cpu.Sample();
        var load = await traffic.RunAsync(run.Options.Rate, BatchSize, duration);
        var loadEnded = clock.Elapsed;
        run.Memory = ResidentMemory.OfResources(app, Processes.Of(app));
        var depthAtEnd = run.Queues.Total;

        var stages = new Stage[]
        {
            new("in the warehouse", app.ConnectionString("warehousedb"), "SELECT count(*) FROM tracks WHERE id LIKE $1"),
            new("on their profiles", app.ConnectionString("profilesdb"), "SELECT count(*) FROM events WHERE message_id LIKE $1"),
            new("evaluated by audiences", app.ConnectionString("audiencesdb"), "SELECT count(*) FROM events WHERE message_id LIKE $1"),
        };
        var patience = TimeSpan.FromSeconds(Math.Max(120, run.Options.Seconds));
        await Task.WhenAll(stages.Select(stage => stage.WaitForAsync(traffic.RunId, load.AcceptedEvents, clock, loadEnded + patience)));
        var drained = await run.Queues.WaitUntilEmptyAsync(loadEnded + patience - clock.Elapsed);
        var allDone = drained is null ? (TimeSpan?)null : clock.Elapsed;
        var cores = app.Cpu.Since(before, clock.Elapsed);
        run.Cores.Add((name, cores));
        // A call the client gave up on may still have been committed: the work done is what the warehouse holds.
        var stored = await stages[0].CountAsync(traffic.RunId);
        run.Statements = await statements.TopAsync(15, stored);

        var target = run.Options.Rate;
        run.Add(new Result(name, $"events accepted/s ({load.AcceptedEvents:N0} in {load.Elapsed.TotalSeconds:0} s; failed calls: {load.FailureSummary})",
            load.AcceptedEvents / load.Elapsed.TotalSeconds, "/s", $"≥ {target:N0}/s, no failures", run.Baselines.CopyRowsPerSecond, "COPY rows/s",
            load.AcceptedEvents / load.Elapsed.TotalSeconds >= target * 0.99 && load.Failed == 0));
        foreach (var stage in stages)
        {
            var rate = stage.Done is { } done ? load.AcceptedEvents / done.TotalSeconds : (double?)null;
            var broker = stage.Name == "in the warehouse" ? (run.Baselines.CopyRowsPerSecond, "COPY rows/s") : (run.Baselines.ClassicPublishesPerSecond, "confirmed publishes/s (classic)");
            run.Add(new Result(name, $"events {stage.Name}/s ({(stage.Done is null ? $"only {stage.Count:N0} of {load.AcceptedEvents:N0}" : $"all, {stage.Done.Value.TotalSeconds:0} s after the first call")})",
                rate, "/s", $"≥ {target:N0}/s", broker.Item1, broker.Item2, rate >= target));
        }
        // CPU per event does not depend on how much of the machine the neighbours left us, so it compares runs.
        var perEvent = cores.Where(c => c.Key is not ResourceCpu.Generator and not ResourceCpu.Orchestrator)
            .ToDictionary(c => c.Key, c => stored > 0 ? c.Value * clock.Elapsed.TotalSeconds * 1e6 / stored : 0);
        var largest = string.Join(", ", perEvent.OrderByDescending(p => p.Value).Take(5).Select(p => $"{p.Key} {p.Value:0}"));
        run.Add(new Result(name, $"CPU µs per event stored ({stored:N0}), every process of the application ({largest}; from the first call until every queue was empty or the wait ended)",
            perEvent.Values.Sum(), "µs", $"≤ {2e6 / target:0} µs (two cores at {target:N0}/s)", null, "", null));
        run.Add(new Result(name, $"every queue empty (messaging's journey triggers included), s after the load ended",
            allDone is { } all ? (all - loadEnded).TotalSeconds : null, "s", "backlog bounded: ≤ 10 s of work left", null, "", allDone is { } end && (end - loadEnded).TotalSeconds <= 10));
        run.Add(run.Queues.Problem is { } problem
            ? new Result(name, $"queue backlog not measured: {problem}", null, "", "reported", null, "", null)
            : new Result(name, $"deepest queue backlog seen ({run.Queues.Maximum.Queue}); {depthAtEnd:N0} messages in all queues when the load ended",
                run.Queues.Maximum.Depth, "messages", "reported", null, "", null));
    }

    /// <summary>A place every accepted event must reach, counted by the run's message-id prefix.</summary>
    private sealed class Stage(string name, string connectionString, string countSql)
    {
        public string Name => name;

        public TimeSpan? Done { get; private set; }

        public long Count { get; private set; }

        public async Task<long> CountAsync(string runId)
        {
            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            await using var command = dataSource.CreateCommand(countSql);
            command.CommandTimeout = 300;
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = runId + "%" });
            return (long)(await command.ExecuteScalarAsync())!;
        }

        public async Task WaitForAsync(string runId, long expected, Stopwatch clock, TimeSpan deadline)
        {
            while (true)
            {
                Count = await CountAsync(runId);
                if (Count >= expected)
                {
                    Done = clock.Elapsed;
                    return;
                }
                if (clock.Elapsed > deadline)
                {
                    return;
                }
                await Task.Delay(TimeSpan.FromSeconds(2));
            }
        }
    }
}
