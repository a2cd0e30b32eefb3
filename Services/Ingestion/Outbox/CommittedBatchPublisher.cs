using System.Threading.Channels;
using Alle.Contracts;
using Alle.Ingestion.Storage;
using Alle.Platform.Outbox;
using MassTransit;
using Npgsql;

namespace Alle.Ingestion.Outbox;

/// <summary>
/// A committed group's new events of one source, waiting to be published as one message: in the first request's trace,
/// linked to the others'.
/// </summary>
internal sealed record PendingBatch(Guid BatchId, string SourceId, IReadOnlyList<TrackedEvent> Events, IReadOnlyList<string?> TraceParents);

/// <summary>
/// Ingestion's fast path out of the outbox: the group committer hands each committed batch over in memory, and this publishes it
/// as one <see cref="EventsIngested"/> and deletes its outbox row at once. The row is written due only after
/// <see cref="HandOverTime"/>, so the shared relay (<see cref="OutboxRelay"/>) delivers only what this did not: batches
/// of a process that was killed, or that could not be published while the broker was down. Consumers dedupe by
/// (source, messageId), so a batch published by both is harmless.
/// </summary>
internal sealed class CommittedBatchPublisher(
    IBusControl bus,
    [FromKeyedServices(IngestionDatabase.Name)] NpgsqlDataSource dataSource,
    BrokerAvailability broker,
    ILogger<CommittedBatchPublisher> logger) : BackgroundService
{
    public static readonly TimeSpan HandOverTime = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan s_publishTimeout = TimeSpan.FromSeconds(10);
    private const int Publishers = 8;

    private readonly Channel<PendingBatch> _pending = Channel.CreateBounded<PendingBatch>(
        new BoundedChannelOptions(20_000) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Channel<Guid> _published = Channel.CreateUnbounded<Guid>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Batches handed over and not yet published; the Tracking API refuses work when this grows too large.</summary>
    public int Backlog => _pending.Reader.Count;

    /// <summary>Hands a committed batch over for publishing; if the queue is full the relay publishes it from the table.</summary>
    public void Enqueue(PendingBatch batch) => _pending.Writer.TryWrite(batch);

    /// <summary>The outbox row of a request's batch: due for the relay only once this path has had its chance.</summary>
    public static OutboxEntry Entry(Guid batchId, string sourceId, IReadOnlyList<TrackedEvent> events) =>
        OutboxEntry.Publish(new EventsIngested(batchId, sourceId, events), batchId.ToString());

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var workers = Enumerable.Range(0, Publishers).Select(_ => PublishHandedOverAsync(stoppingToken))
            .Append(DeletePublishedAsync(stoppingToken))
            .Append(WatchBrokerAsync(stoppingToken));
        await Task.WhenAll(workers);
    }

    private async Task PublishHandedOverAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var batch in _pending.Reader.ReadAllAsync(stoppingToken))
            {
                if (await TryPublishAsync(batch, stoppingToken))
                {
                    _published.Writer.TryWrite(batch.BatchId);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task<bool> TryPublishAsync(PendingBatch batch, CancellationToken stoppingToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(s_publishTimeout);
        try
        {
            using var activity = OutboxTracing.StartRelay("outbox EventsIngested", batch.TraceParents);
            await bus.Publish(new EventsIngested(batch.BatchId, batch.SourceId, batch.Events), context => context.MessageId = batch.BatchId, timeout.Token);
            broker.ReportPublished();
            return true;
        }
        catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
        {
            // The row stays in the outbox for the relay. Only a bus that lost its broker stops new requests: a publish
            // that was merely slow (a busy machine) is retried without refusing work.
            if (bus.CheckHealth().Status != BusHealthStatus.Healthy)
            {
                broker.ReportFailure();
            }
            logger.LogWarning("Publishing batch {BatchId} failed; it stays in the outbox: {Message}", batch.BatchId, exception.Message);
            return false;
        }
    }

    private async Task DeletePublishedAsync(CancellationToken stoppingToken)
    {
        var ids = new List<string>(1024);
        try
        {
            while (await _published.Reader.WaitToReadAsync(stoppingToken))
            {
                while (ids.Count < 5000 && _published.Reader.TryRead(out var id))
                {
                    ids.Add(id.ToString());
                }
                await DeleteAsync(ids, stoppingToken);
                ids.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task DeleteAsync(List<string> messageIds, CancellationToken stoppingToken)
    {
        while (true)
        {
            try
            {
                await using var command = dataSource.CreateCommand("DELETE FROM outbox_messages WHERE message_id = ANY($1)");
                command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. messageIds] });
                await command.ExecuteNonQueryAsync(stoppingToken);
                return;
            }
            catch (NpgsqlException exception)
            {
                // Published but not yet deleted: at worst the relay publishes these again (consumers dedupe).
                logger.LogWarning("Could not delete {Count} published batches from the outbox: {Message}", messageIds.Count, exception.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }

    /// <summary>Once the bus has reconnected, requests are taken again even if no batch has yet proved it.</summary>
    private async Task WatchBrokerAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                if (!broker.IsAvailable && bus.CheckHealth().Status == BusHealthStatus.Healthy)
                {
                    broker.ReportPublished();
                }
                await Task.Delay(TimeSpan.FromMilliseconds(500), stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
