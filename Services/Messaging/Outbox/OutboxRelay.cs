using System.Text.Json;
using Alle.Contracts;
using Alle.Platform.Outbox;
using Alle.Platform.Tracking;
using Alle.Platform.Workers;
using MassTransit;
using Npgsql;

namespace Alle.Messaging.Outbox;

/// <summary>Publishes outbox rows in order and marks them sent; a failed row is retried on the next pass.</summary>
internal sealed class OutboxRelay(NpgsqlDataSource dataSource, IServiceScopeFactory scopes, TimeProvider clock, WorkSignal<OutboxRelay> signal, ILogger<OutboxRelay> logger)
    : BackgroundService
{
    private static readonly TimeSpan s_idle = TimeSpan.FromSeconds(1);

    /// <summary>A publish the broker never confirms (its connection lost mid-publish) must not hold the relay: it is retried.</summary>
    private static readonly TimeSpan s_publishTimeout = TimeSpan.FromSeconds(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            int published;
            try
            {
                published = await PublishPendingAsync(stoppingToken);
            }
            catch (Exception exception) when (exception is NpgsqlException or TimeoutException)
            {
                logger.LogWarning(exception, "Outbox relay could not read pending rows");
                published = 0;
            }
            if (published == 0)
            {
                await signal.WaitAsync(s_idle, clock, stoppingToken);
            }
        }
    }

    /// <summary>Rows that failed this often stay in the table for an operator to look at, and are no longer tried.</summary>
    private const int MaxAttempts = 50;

    public async Task<int> PublishPendingAsync(CancellationToken cancellationToken) =>
        await PublishBatchAsync(trackingCalls: false, cancellationToken) + await PublishBatchAsync(trackingCalls: true, cancellationToken);

    private async Task<int> PublishBatchAsync(bool trackingCalls, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var rows = new List<(Guid Id, string Kind, string Payload, string? TraceParent)>();
        await using (var read = new NpgsqlCommand("""
            SELECT id, kind, payload::text, trace_parent FROM outbox
            WHERE published_at IS NULL AND (kind = 'track') = $1 AND attempts < $2
            ORDER BY created_at, id LIMIT 100 FOR UPDATE SKIP LOCKED
            """, connection, transaction))
        {
            read.Parameters.AddWithValue(trackingCalls);
            read.Parameters.AddWithValue(MaxAttempts);
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add((reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
            }
        }
        if (rows.Count == 0)
        {
            return 0;
        }

        await using var scope = scopes.CreateAsyncScope();
        var publisher = scope.ServiceProvider.GetRequiredService<IPublishEndpoint>();
        var tracking = scope.ServiceProvider.GetRequiredService<TrackingClient>();
        var done = new List<Guid>();
        var tracks = rows.Where(r => r.Kind == Outbox.Track).ToList();
        foreach (var (id, kind, payload, traceParent) in rows.Where(r => r.Kind != Outbox.Track))
        {
            try
            {
                object message = kind switch
                {
                    Outbox.StatusChanged => JsonSerializer.Deserialize<MessageStatusChanged>(payload, JsonSerializerOptions.Web)!,
                    Outbox.DataDeleted => JsonSerializer.Deserialize<PersonalDataDeleted>(payload, JsonSerializerOptions.Web)!,
                    _ => throw new InvalidOperationException($"Unknown outbox kind {kind}."),
                };
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                deadline.CancelAfter(s_publishTimeout);
                using var activity = OutboxTracing.StartRelay($"outbox {kind}", traceParent);
                await publisher.Publish(message, message.GetType(), deadline.Token);
                done.Add(id);
            }
            catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning(exception, "Outbox row {OutboxId} ({Kind}) not published yet", id, kind);
                break;
            }
        }
        if (tracks.Count > 0)
        {
            try
            {
                using var activity = OutboxTracing.StartRelay("outbox tracking calls", tracks.Select(t => t.TraceParent));
                await tracking.SendAsync([.. tracks.Select(t => JsonSerializer.Deserialize<TrackCall>(t.Payload, JsonSerializerOptions.Web)!)], cancellationToken);
                done.AddRange(tracks.Select(t => t.Id));
            }
            catch (HttpRequestException exception)
            {
                logger.LogWarning("Tracking calls not accepted by ingestion yet ({Count}): {Message}", tracks.Count, exception.Message);
            }
        }

        await using (var mark = new NpgsqlCommand("""
            UPDATE outbox SET published_at = @now WHERE id = ANY(@done);
            UPDATE outbox SET attempts = attempts + 1 WHERE id = ANY(@failed);
            """, connection, transaction))
        {
            mark.Parameters.AddWithValue("done", done.ToArray());
            mark.Parameters.AddWithValue("now", clock.GetUtcNow());
            mark.Parameters.AddWithValue("failed", rows.Select(r => r.Id).Except(done).ToArray());
            await mark.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return done.Count;
    }
}

