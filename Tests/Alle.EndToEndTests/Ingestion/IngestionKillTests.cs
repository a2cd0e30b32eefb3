using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;

namespace Alle.EndToEndTests.Ingestion;

/// <summary>
/// SIGKILL the ingestion process right after it acknowledged requests, while clients keep sending: every acknowledged
/// event still reaches the warehouse, exactly once, and nothing that was never sent appears.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class IngestionKillTests(DistributedAppFixture app)
{
    private const int Senders = 4;
    private const int EventsPerBatch = 10;

    [Fact]
    public async Task Acknowledged_events_survive_a_killed_ingestion_process_exactly_once()
    {
        var runId = $"kill-{Guid.NewGuid():N}-";
        var sent = new ConcurrentDictionary<string, byte>();
        var acknowledged = new ConcurrentDictionary<string, byte>();
        var before = app.Resources.Instance("ingestion");
        var killedPid = 0;
        var ackedBatches = 0;
        var ackedAfterRestart = 0;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(90));

        async Task SendAsync(int sender)
        {
            using var client = app.CreateTrackingClient("portal");
            for (var batchNumber = 0; !stop.IsCancellationRequested; batchNumber++)
            {
                var ids = Enumerable.Range(0, EventsPerBatch).Select(i => $"{runId}{sender}-{batchNumber}-{i}").ToList();
                foreach (var id in ids)
                {
                    sent[id] = 0;
                }
                var batch = new { batch = ids.Select(id => new { type = "track", messageId = id, userId = $"{runId}user", @event = "Kill Test" }) };
                HttpResponseMessage response;
                try
                {
                    response = await client.PostAsJsonAsync("/v1/batch", batch, stop.Token);
                }
                catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
                {
                    continue;
                }
                if (!response.IsSuccessStatusCode)
                {
                    // The gateway answers 502/503 while ingestion is down: a client retries later (not counted as acknowledged).
                    await Task.Delay(50, CancellationToken.None);
                    continue;
                }
                foreach (var id in ids)
                {
                    acknowledged[id] = 0;
                }
                // Kill right after an acknowledgement, while the other senders have requests in flight.
                if (Interlocked.Increment(ref ackedBatches) == 100)
                {
                    killedPid = before.ProcessId;
                    Process.GetProcessById(killedPid).Kill();
                }
                if (killedPid != 0 && app.Resources.Instance("ingestion").ProcessId is var pid && pid != 0 && pid != killedPid
                    && Interlocked.Increment(ref ackedAfterRestart) >= 50)
                {
                    await stop.CancelAsync();
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Senders).Select(SendAsync));
        await app.Resources.WaitForHealthyAsync("ingestion", TimeSpan.FromSeconds(60));

        var after = app.Resources.Instance("ingestion");
        Assert.NotEqual(0, killedPid);
        Assert.True(after.Restarts > before.Restarts, "the orchestrator restarted ingestion");
        Assert.True(ackedAfterRestart >= 50, "acknowledgements resumed after the restart");

        var warehouse = new WarehouseQueries(app);
        var stored = await Eventually.GetAsync(async () =>
        {
            var counts = await warehouse.CountByIdAsync("tracks", runId);
            return acknowledged.Keys.All(counts.ContainsKey) ? counts : null;
        }, TimeSpan.FromSeconds(60), "every acknowledged event in the warehouse");

        var lost = acknowledged.Keys.Where(id => !stored.ContainsKey(id)).ToList();
        var unexpected = stored.Keys.Where(id => !sent.ContainsKey(id)).ToList();
        var duplicated = stored.Where(s => s.Value > 1).Select(s => s.Key).ToList();
        Assert.True(acknowledged.Count > 1000, $"only {acknowledged.Count} events were acknowledged");
        Assert.Empty(lost);
        Assert.Empty(unexpected);
        Assert.Empty(duplicated);
    }
}
