using System.Text.Json;
using System.Threading.Channels;
using Alle.Contracts;
using Alle.Ingestion.Storage;
using Alle.Platform.Outbox;
using MassTransit;
using Npgsql;

namespace Alle.Ingestion.Outbox;

/// <summary>A committed request's new events, waiting in the outbox to be published as one message in the request's trace.</summary>
internal sealed record PendingBatch(Guid BatchId, string SourceId, IReadOnlyList<TrackedEvent> Events, string? TraceParent);

/// <summary>
/// Publishes each committed request as one <see cref="EventsIngested"/> and then deletes its outbox row (the
/// IntegrationEventLog design of dotnet/eShop). Requests hand their batch over in memory for speed; a sweep publishes
/// whatever is still in the table after <see cref="OrphanAge"/> — batches of a process that was killed, or that could not
/// be published while the broker was down. Consumers dedupe by (source, messageId), so a batch published twice is harmless.
/// </summary>
internal sealed class OutboxRelay(
    IBusControl bus,
    [FromKeyedServices(IngestionDatabase.Name)] NpgsqlDataSource dataSource,
    BrokerAvailability broker,
    ILogger<OutboxRelay> logger) : BackgroundService
{
    public static readonly TimeSpan OrphanAge = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan s_publishTimeout = TimeSpan.FromSeconds(10);
    private const int Publishers = 8;

    private readonly Channel<PendingBatch> _pending = Channel.CreateBounded<PendingBatch>(
        new BoundedChannelOptions(20_000) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Channel<Guid> _published = Channel.CreateUnbounded<Guid>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Batches handed over and not yet published; the Tracking API refuses work when this grows too large.</summary>
    public int Backlog => _pending.Reader.Count;

    /// <summary>Hands a committed batch over for publishing; if the queue is full the sweep publishes it from the table.</summary>
    public void Enqueue(PendingBatch batch) => _pending.Writer.TryWrite(batch);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var workers = Enumerable.Range(0, Publishers).Select(_ => PublishHandedOverAsync(stoppingToken))
            .Append(DeletePublishedAsync(stoppingToken))
            .Append(SweepAsync(stoppingToken));
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
            using var activity = OutboxTracing.StartRelay("outbox EventsIngested", batch.TraceParent);
            await bus.Publish(new EventsIngested(batch.BatchId, batch.SourceId, batch.Events), context => context.MessageId = batch.BatchId, timeout.Token);
            broker.ReportPublished();
            return true;
        }
        catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
        {
            // The row stays in the outbox; the sweep publishes it later. Only a bus that lost its broker stops new
            // requests: a publish that was merely slow (a busy machine) is retried without refusing work.
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
        var ids = new List<Guid>(1024);
        try
        {
            while (await _published.Reader.WaitToReadAsync(stoppingToken))
            {
                while (ids.Count < 5000 && _published.Reader.TryRead(out var id))
                {
                    ids.Add(id);
                }
                await DeleteAsync(ids, stoppingToken);
                ids.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task DeleteAsync(List<Guid> ids, CancellationToken stoppingToken)
    {
        while (true)
        {
            try
            {
                await using var command = dataSource.CreateCommand("DELETE FROM outbox WHERE batch_id = ANY($1)");
                command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = [.. ids] });
                await command.ExecuteNonQueryAsync(stoppingToken);
                return;
            }
            catch (NpgsqlException exception)
            {
                // Published but not yet deleted: at worst the sweep publishes these again (consumers dedupe).
                logger.LogWarning("Could not mark {Count} published batches in the outbox: {Message}", ids.Count, exception.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }

    /// <summary>Publishes batches left in the table: at start (a killed process's), and while the broker was unavailable.</summary>
    private async Task SweepAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var published = 0;
                try
                {
                    published = await SweepOnceAsync(stoppingToken);
                }
                catch (Exception exception) when (exception is NpgsqlException or TimeoutException)
                {
                    logger.LogWarning("Outbox sweep failed: {Message}", exception.Message);
                }
                if (published == 0 && !broker.IsAvailable && bus.CheckHealth().Status == BusHealthStatus.Healthy)
                {
                    // Nothing was waiting to prove the broker is back, but the bus says it reconnected.
                    broker.ReportPublished();
                }
                if (published == 0)
                {
                    await Task.Delay(broker.IsAvailable ? TimeSpan.FromSeconds(2) : TimeSpan.FromMilliseconds(500), stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task<int> SweepOnceAsync(CancellationToken stoppingToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
        await using var transaction = await connection.BeginTransactionAsync(stoppingToken);
        var orphans = new List<PendingBatch>();
        await using (var select = new NpgsqlCommand("""
            SELECT batch_id, source_id, payload, trace_parent FROM outbox
            WHERE created_at < now() - $1
            ORDER BY created_at
            LIMIT 100
            FOR UPDATE SKIP LOCKED
            """, connection, transaction))
        {
            select.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = OrphanAge });
            await using var reader = await select.ExecuteReaderAsync(stoppingToken);
            while (await reader.ReadAsync(stoppingToken))
            {
                var events = JsonSerializer.Deserialize<List<TrackedEvent>>(reader.GetFieldValue<byte[]>(2), EventLog.PayloadOptions) ?? [];
                orphans.Add(new PendingBatch(reader.GetGuid(0), reader.GetString(1), events, reader.IsDBNull(3) ? null : reader.GetString(3)));
            }
        }

        var published = new List<Guid>(orphans.Count);
        foreach (var batch in orphans)
        {
            if (!await TryPublishAsync(batch, stoppingToken))
            {
                break;
            }
            published.Add(batch.BatchId);
        }
        if (published.Count > 0)
        {
            await using var delete = new NpgsqlCommand("DELETE FROM outbox WHERE batch_id = ANY($1)", connection, transaction);
            delete.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = [.. published] });
            await delete.ExecuteNonQueryAsync(stoppingToken);
            logger.LogInformation("Published {Count} batches left in the outbox", published.Count);
        }
        await transaction.CommitAsync(stoppingToken);
        return published.Count;
    }
}
