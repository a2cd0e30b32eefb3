using System.Diagnostics;
using Npgsql;

namespace Alle.IntegrationTests.Destinations;

/// <summary>
/// SIGKILL of the Destinations process while events are being delivered: the AppHost restarts it, and every event
/// acknowledged by ingestion reaches the receiver — none lost, none queued or recorded as delivered twice. Requests
/// that were on the wire at the kill are sent again under the same message id (delivery is at least once); they are the
/// only repeats the receiver sees, at most one claim's worth.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class DestinationKillTests(DistributedAppFixture app) : IAsyncLifetime
{
    private const int Events = 400;
    private const int Concurrency = 4;
    private readonly DestinationsClient _destinations = new(app);
    private WebhookReceiver _receiver = null!;
    private Guid? _destination;

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.StartAsync();

    public async Task DisposeAsync()
    {
        if (_destination is { } id)
        {
            await _destinations.DeleteAsync(id);
        }
        await _receiver.DisposeAsync();
    }

    [Fact]
    public async Task A_killed_destinations_process_loses_nothing_and_queues_nothing_twice()
    {
        // Slow enough that the kill finds requests in flight and most of the events still queued.
        _receiver.AnswerWith((_, _) => ReceiverAnswer.Ok with { Delay = TimeSpan.FromMilliseconds(25) });
        var (source, tracking) = await _destinations.CreateSourceAsync("dst-kill");
        var destination = await _destinations.CreateAsync(DestinationsClient.Webhook($"{_receiver.Url}/kill", delivery: new { concurrency = Concurrency }), source);
        _destination = destination.Id;
        var run = Guid.NewGuid().ToString("N")[..12];
        var sent = Enumerable.Range(0, Events).Select(i => $"kill-{run}-{i}").ToList();

        foreach (var batch in sent.Take(Events / 2).Chunk(50))
        {
            await DestinationsClient.BatchAsync(tracking, batch.Select(messageId => new { type = "track", messageId, userId = $"kill-user-{messageId[^1]}", @event = "Kill Test" }));
        }
        var waiting = Stopwatch.StartNew();
        while (Received().Count < 40)
        {
            Assert.True(waiting.Elapsed < TimeSpan.FromSeconds(30), "Timed out waiting for deliveries under way.");
            await Task.Delay(20);
        }
        var before = app.Resources.Instance("destinations");
        Process.GetProcessById(before.ProcessId).Kill();
        var atKill = Received().Count;
        // Acknowledged while Destinations is down: the events wait in the broker.
        foreach (var batch in sent.Skip(Events / 2).Chunk(50))
        {
            await DestinationsClient.BatchAsync(tracking, batch.Select(messageId => new { type = "track", messageId, userId = $"kill-user-{messageId[^1]}", @event = "Kill Test" }));
        }

        await Eventually.TrueAsync(() => Task.FromResult(app.Resources.Instance("destinations").Restarts > before.Restarts), TimeSpan.FromSeconds(30), "the restart");
        await app.Resources.WaitForHealthyAsync("destinations", TimeSpan.FromSeconds(90));
        await Eventually.TrueAsync(() => Task.FromResult(Received().ToHashSet().IsSupersetOf(sent)), TimeSpan.FromSeconds(60), "every event at the receiver");

        var received = Received();
        Assert.True(atKill < Events / 2, $"the kill came after the first half was delivered ({atKill})");
        Assert.Empty(received.Except(sent));
        var repeats = received.GroupBy(id => id).Where(g => g.Count() > 1).Sum(g => g.Count() - 1);
        Assert.True(repeats <= Concurrency * 4, $"{repeats} events reached the receiver twice; at most one claim ({Concurrency * 4}) was in flight");

        // The receiver may hold a claim's events before Destinations has recorded them as delivered.
        await using var connection = new NpgsqlConnection(app.ConnectionString("destinationsdb"));
        await connection.OpenAsync();
        var counts = (0L, 0L, 0L);
        await Eventually.TrueAsync(async () =>
        {
            await using var rows = new NpgsqlCommand("""
                SELECT count(*), count(DISTINCT message_id), count(*) FILTER (WHERE status = 'delivered') FROM deliveries WHERE destination_id = $1
                """, connection) { Parameters = { new() { Value = destination.Id } } };
            await using var reader = await rows.ExecuteReaderAsync();
            await reader.ReadAsync();
            counts = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
            return counts.Item3 == Events;
        }, TimeSpan.FromSeconds(30), "every delivery recorded as delivered");
        Assert.Equal((Events, Events, Events), counts);
    }

    private List<string> Received() => [.. _receiver.Received.SelectMany(r => r.Events).Select(e => e.GetProperty("messageId").GetString()!)];
}
