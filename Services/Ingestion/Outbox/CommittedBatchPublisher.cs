using System.Diagnostics;
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

/// <summary>Committed batches of one source published together as one <see cref="EventsIngested"/> (under the first batch's id).</summary>
internal sealed record CoalescedBatches(IReadOnlyList<PendingBatch> Batches)
{
    public Guid MessageId => Batches[0].BatchId;

    public string SourceId => Batches[0].SourceId;

    public EventsIngested Message => new(MessageId, SourceId, Batches.Count == 1 ? Batches[0].Events : [.. Batches.SelectMany(batch => batch.Events)]);

    public IReadOnlyList<string?> TraceParents => [.. Batches.SelectMany(batch => batch.TraceParents)];

    /// <summary>
    /// Groups batches by source, in the order they were committed, into messages of at most <paramref name="eventsPerMessage"/>
    /// events (a larger batch goes on its own; a batch is never split).
    /// </summary>
    public static IEnumerable<CoalescedBatches> Coalesce(IEnumerable<PendingBatch> batches, int eventsPerMessage)
    {
        foreach (var source in batches.GroupBy(batch => batch.SourceId, StringComparer.Ordinal))
        {
            var run = new List<PendingBatch>();
            var events = 0;
            foreach (var batch in source)
            {
                if (run.Count > 0 && events + batch.Events.Count > eventsPerMessage)
                {
                    yield return new CoalescedBatches(run);
                    run = [];
                    events = 0;
                }
                run.Add(batch);
                events += batch.Events.Count;
            }
            if (run.Count > 0)
            {
                yield return new CoalescedBatches(run);
            }
        }
    }
}

/// <summary>
/// Ingestion's fast path out of the outbox: the group committer hands each committed batch over in memory, and this publishes it
/// as <see cref="EventsIngested"/> and deletes its outbox row at once. The row is written due only after
/// <see cref="HandOverTime"/>, so the shared relay (<see cref="OutboxRelay"/>) delivers only what this did not: batches
/// of a process that was killed, or that could not be published while the broker was down. Consumers dedupe by
/// (source, messageId), so a batch published by both is harmless.
/// </summary>
/// <remarks>
/// Single calls commit in groups of a few requests, and every consumer (the warehouse, Profiles, Destinations) pays per
/// message: batches of a source committed within <see cref="Linger"/> of each other travel as one message of up to
/// <see cref="EventsPerMessage"/> events. The caller's 200 was answered at commit, so the wait only delays the consumers.
/// </remarks>
internal sealed class CommittedBatchPublisher(
    IBusControl bus,
    [FromKeyedServices(IngestionDatabase.Name)] NpgsqlDataSource dataSource,
    BrokerAvailability broker,
    ILogger<CommittedBatchPublisher> logger) : BackgroundService
{
    public static readonly TimeSpan HandOverTime = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(10);
    public const int EventsPerMessage = 1_000;
    private static readonly TimeSpan s_publishTimeout = TimeSpan.FromSeconds(10);
    private const int Publishers = 8;

    private readonly Channel<PendingBatch> _pending = Channel.CreateBounded<PendingBatch>(
        new BoundedChannelOptions(20_000) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly Channel<CoalescedBatches> _messages = Channel.CreateBounded<CoalescedBatches>(
        new BoundedChannelOptions(Publishers * 2) { SingleWriter = true });
    private readonly Channel<Guid> _published = Channel.CreateUnbounded<Guid>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Batches handed over and not yet published; the Tracking API refuses work when this grows too large.</summary>
    public int Backlog => _pending.Reader.Count + _messages.Reader.Count;

    /// <summary>Hands a committed batch over for publishing; if the queue is full the relay publishes it from the table.</summary>
    public void Enqueue(PendingBatch batch) => _pending.Writer.TryWrite(batch);

    /// <summary>The outbox row of a request's batch: due for the relay only once this path has had its chance.</summary>
    public static OutboxEntry Entry(Guid batchId, string sourceId, IReadOnlyList<TrackedEvent> events) =>
        OutboxEntry.Publish(new EventsIngested(batchId, sourceId, events), batchId.ToString());

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var workers = Enumerable.Range(0, Publishers).Select(_ => PublishCoalescedAsync(stoppingToken))
            .Append(CoalesceHandedOverAsync(stoppingToken))
            .Append(DeletePublishedAsync(stoppingToken))
            .Append(WatchBrokerAsync(stoppingToken));
        await Task.WhenAll(workers);
    }

    private async Task CoalesceHandedOverAsync(CancellationToken stoppingToken)
    {
        var gathered = new List<PendingBatch>();
        try
        {
            while (await _pending.Reader.WaitToReadAsync(stoppingToken))
            {
                await GatherAsync(gathered, stoppingToken);
                foreach (var message in CoalescedBatches.Coalesce(gathered, EventsPerMessage))
                {
                    await _messages.Writer.WriteAsync(message, stoppingToken);
                }
                gathered.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            _messages.Writer.TryComplete();
        }
    }

    /// <summary>Takes what is waiting and, while that is less than a message holds, what arrives within <see cref="Linger"/>.</summary>
    private async Task GatherAsync(List<PendingBatch> gathered, CancellationToken stoppingToken)
    {
        var events = 0;
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            while (events < EventsPerMessage && _pending.Reader.TryRead(out var batch))
            {
                gathered.Add(batch);
                events += batch.Events.Count;
            }
            var left = Linger - Stopwatch.GetElapsedTime(started);
            if (events >= EventsPerMessage || left <= TimeSpan.Zero)
            {
                return;
            }
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            wait.CancelAfter(left);
            try
            {
                if (!await _pending.Reader.WaitToReadAsync(wait.Token))
                {
                    return;
                }
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task PublishCoalescedAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var message in _messages.Reader.ReadAllAsync(stoppingToken))
            {
                if (await TryPublishAsync(message, stoppingToken))
                {
                    foreach (var batch in message.Batches)
                    {
                        _published.Writer.TryWrite(batch.BatchId);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task<bool> TryPublishAsync(CoalescedBatches message, CancellationToken stoppingToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(s_publishTimeout);
        try
        {
            using var activity = OutboxTracing.StartRelay("outbox EventsIngested", message.TraceParents);
            await bus.Publish(message.Message, context => context.MessageId = message.MessageId, timeout.Token);
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
            logger.LogWarning("Publishing batch {BatchId} ({Count} batches) failed; they stay in the outbox: {Message}", message.MessageId, message.Batches.Count, exception.Message);
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
