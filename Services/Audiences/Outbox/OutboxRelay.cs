using System.Text.Json;
using Alle.Audiences.Storage;
using Alle.Contracts;
using Alle.Platform.Outbox;
using Alle.Platform.Tracking;
using Alle.Platform.Workers;
using MassTransit;
using Npgsql;

namespace Alle.Audiences.Outbox;

/// <summary>
/// Delivers outbox rows: publishes messages on the bus and sends Tracking API calls in batches, then marks them sent.
/// Rows are claimed with <c>FOR UPDATE SKIP LOCKED</c>, so replicas share the work; a failure leaves the row for a
/// later attempt with exponential backoff (delivery is at least once, consumers deduplicate by message id).
/// </summary>
internal sealed class OutboxRelay(
    NpgsqlDataSource dataSource,
    IBus bus,
    IServiceScopeFactory scopes,
    WorkSignal<OutboxRelay> signal,
    TimeProvider clock,
    ILogger<OutboxRelay> logger) : BackgroundService
{
    private const int BatchSize = 100;
    private static readonly TimeSpan s_poll = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan s_keepSent = TimeSpan.FromDays(3);
    private static readonly Dictionary<string, Type> s_messageTypes = new(StringComparer.Ordinal)
    {
        [nameof(AudienceMembershipChanged)] = typeof(AudienceMembershipChanged),
        [nameof(PersonalDataDeleted)] = typeof(PersonalDataDeleted),
    };

    private DateTimeOffset _lastCleanup = DateTimeOffset.MinValue;

    /// <summary>A publish the broker never confirms (its connection lost mid-publish) must not hold the relay: it is retried.</summary>
    private static readonly TimeSpan s_publishTimeout = TimeSpan.FromSeconds(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await RelayBatchAsync(stoppingToken) == BatchSize)
                {
                }
                await CleanUpAsync(stoppingToken);
                await signal.WaitAsync(s_poll, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                logger.LogWarning(exception, "The outbox relay could not read the outbox; retrying.");
                await Task.Delay(s_poll, clock, stoppingToken);
            }
        }
    }

    /// <returns>How many rows were claimed.</returns>
    internal async Task<int> RelayBatchAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var now = clock.GetUtcNow();
        var rows = await connection.ListAsync("""
            SELECT id, kind, message_type, message_id, payload::text, attempts, trace_parent FROM outbox
            WHERE sent_at IS NULL AND next_attempt_at <= $1
            ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED
            """,
            reader => new Row(reader.GetInt64(0), reader.GetString(1), reader.NullableString(2), reader.GetString(3), reader.GetString(4), reader.GetInt32(5),
                reader.NullableString(6)),
            cancellationToken, now, BatchSize);
        if (rows.Count == 0)
        {
            return 0;
        }

        var sent = new List<long>();
        var failed = new List<(Row Row, string Error)>();
        foreach (var row in rows.Where(row => row.Kind == "publish"))
        {
            try
            {
                var type = s_messageTypes[row.MessageType!];
                var message = JsonSerializer.Deserialize(row.Payload, type, OutboxWriter.Json)!;
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                deadline.CancelAfter(s_publishTimeout);
                using var activity = OutboxTracing.StartRelay($"outbox {type.Name}", row.TraceParent);
                await bus.Publish(message, type, Pipe.Execute<PublishContext>(context => context.MessageId = Guid.Parse(row.MessageId)), deadline.Token);
                sent.Add(row.Id);
            }
            catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
            {
                failed.Add((row, exception.Message));
            }
        }

        var calls = rows.Where(row => row.Kind == "track").ToList();
        if (calls.Count > 0)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var tracking = scope.ServiceProvider.GetRequiredService<TrackingClient>();
                using var activity = OutboxTracing.StartRelay("outbox tracking calls", calls.Select(row => row.TraceParent));
                await tracking.SendAsync(calls.Select(row => JsonSerializer.Deserialize<OutboxCall>(row.Payload, OutboxWriter.Json)!.ToTrackingCall()).ToList(), cancellationToken);
                sent.AddRange(calls.Select(row => row.Id));
            }
            catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
            {
                failed.AddRange(calls.Select(row => (row, exception.Message)));
            }
        }

        if (sent.Count > 0)
        {
            await connection.ExecuteAsync("UPDATE outbox SET sent_at = $2, attempts = attempts + 1, last_error = NULL WHERE id = ANY($1)",
                cancellationToken, sent.ToArray(), now);
        }
        foreach (var (row, error) in failed)
        {
            var delay = TimeSpan.FromSeconds(Math.Min(Math.Pow(2, row.Attempts), 300));
            await connection.ExecuteAsync("UPDATE outbox SET attempts = attempts + 1, last_error = $2, next_attempt_at = $3 WHERE id = $1",
                cancellationToken, row.Id, error.Length > 500 ? error[..500] : error, now + delay);
        }
        await transaction.CommitAsync(cancellationToken);
        if (failed.Count > 0)
        {
            logger.LogWarning("Outbox: {Failed} of {Count} deliveries failed and will be retried: {Error}", failed.Count, rows.Count, failed[0].Error);
        }
        return rows.Count;
    }

    private async Task CleanUpAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (now - _lastCleanup < TimeSpan.FromMinutes(10))
        {
            return;
        }
        _lastCleanup = now;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync("DELETE FROM outbox WHERE sent_at < $1", cancellationToken, now - s_keepSent);
    }

    private sealed record Row(long Id, string Kind, string? MessageType, string MessageId, string Payload, int Attempts, string? TraceParent);
}
