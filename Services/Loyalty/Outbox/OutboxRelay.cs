using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Alle.Contracts;
using Alle.Platform.Outbox;
using Alle.Platform.Tracking;
using Alle.Platform.Workers;
using MassTransit;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Alle.Loyalty.Outbox;

/// <summary>
/// Relays the outbox: sends track/identify calls to the Tracking API in batches and publishes integration events, then
/// marks the rows sent. Failures back off per row (exponentially, up to <c>MaxBackoff</c>) and are retried until they
/// succeed, so a fact written while ingestion or the broker is down leaves once it is back. Rows are claimed with
/// <c>FOR UPDATE SKIP LOCKED</c>, so replicas share the work without sending a row twice.
/// </summary>
internal sealed class OutboxRelay(
    NpgsqlDataSource dataSource,
    IServiceScopeFactory scopes,
    IBus bus,
    WorkSignal<OutboxRelay> signal,
    IOptions<LoyaltyOptions> options,
    TimeProvider clock,
    ILogger<OutboxRelay> logger) : BackgroundService
{
    /// <summary>A publish the broker never confirms (its connection lost mid-publish) must not hold the relay: it is retried.</summary>
    private static readonly TimeSpan s_publishTimeout = TimeSpan.FromSeconds(10);

    private readonly OutboxOptions _options = options.Value.Outbox;
    private DateTimeOffset _nextCleanup;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var relayed = 0;
            try
            {
                relayed = await RelayBatchAsync(stoppingToken);
                await CleanUpAsync(stoppingToken);
            }
            catch (Exception exception) when (exception is NpgsqlException or TimeoutException && !stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(exception, "Outbox relay could not reach the database; retrying");
            }

            if (relayed < _options.BatchSize)
            {
                try
                {
                    await signal.WaitAsync(_options.PollInterval, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Relays one batch of due rows; returns how many rows it attempted.</summary>
    internal async Task<int> RelayBatchAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var now = clock.GetUtcNow();
        var rows = new List<OutboxRow>();
        await using (var select = new NpgsqlCommand("""
            SELECT id, message_id, kind, message_type, payload::text, trace_parent FROM outbox
            WHERE sent_at IS NULL AND rejected_at IS NULL AND next_attempt_at <= $1
            ORDER BY id LIMIT $2
            FOR UPDATE SKIP LOCKED
            """, connection, transaction))
        {
            select.Parameters.Add(new NpgsqlParameter { Value = now });
            select.Parameters.Add(new NpgsqlParameter { Value = _options.BatchSize });
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(new OutboxRow(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetString(4),
                    reader.IsDBNull(5) ? null : reader.GetString(5)));
            }
        }
        if (rows.Count == 0)
        {
            return 0;
        }

        var sent = new List<long>();
        var failed = new List<long>();
        string? error = null;

        var rejected = new List<long>();
        string? rejection = null;
        var calls = rows.Where(row => row.Kind != FactOutbox.PublishKind).ToList();
        if (calls.Count > 0)
        {
            await using var scope = scopes.CreateAsyncScope();
            var tracking = scope.ServiceProvider.GetRequiredService<TrackingClient>();
            var attempts = new List<Attempt> { await SendAsync(tracking, calls, cancellationToken) };
            if (attempts[0].Delivery == Delivery.Refused && calls.Count > 1)
            {
                // The batch was refused as a whole: send each call alone, so one bad call cannot hold up the rest.
                attempts.Clear();
                foreach (var call in calls)
                {
                    attempts.Add(await SendAsync(tracking, [call], cancellationToken));
                }
            }
            foreach (var (batch, delivery, message) in attempts)
            {
                var ids = batch.Select(row => row.Id);
                switch (delivery)
                {
                    case Delivery.Sent:
                        sent.AddRange(ids);
                        break;
                    case Delivery.Refused:
                        rejected.AddRange(ids);
                        rejection = message;
                        break;
                    default:
                        failed.AddRange(ids);
                        error = $"tracking: {message}";
                        break;
                }
            }
            if (error is not null)
            {
                logger.LogWarning("Tracking API unavailable, {Count} facts kept for retry: {Message}", failed.Count, error);
            }
            if (rejected.Count > 0)
            {
                logger.LogError("Tracking API refused outbox rows {OutboxIds} for good: {Message}", rejected, rejection);
            }
        }

        foreach (var row in rows.Where(row => row.Kind == FactOutbox.PublishKind))
        {
            try
            {
                var type = ContractType(row.MessageType);
                var message = JsonSerializer.Deserialize(row.Payload, type, FactOutbox.Json)!;
                var messageId = DeterministicGuid(row.MessageId);
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                deadline.CancelAfter(s_publishTimeout);
                using var activity = OutboxTracing.StartRelay($"outbox {type.Name}", row.TraceParent);
                await bus.Publish(message, type, context => context.MessageId = messageId, deadline.Token);
                sent.Add(row.Id);
            }
            catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
            {
                failed.Add(row.Id);
                error = $"publish: {exception.Message}";
                logger.LogWarning("Publishing outbox message {OutboxId} failed: {Message}", row.Id, exception.Message);
            }
        }

        await using (var markSent = new NpgsqlCommand("UPDATE outbox SET sent_at = $1, attempts = attempts + 1 WHERE id = ANY($2)", connection, transaction))
        {
            markSent.Parameters.Add(new NpgsqlParameter { Value = now });
            markSent.Parameters.Add(new NpgsqlParameter { Value = sent.ToArray() });
            await markSent.ExecuteNonQueryAsync(cancellationToken);
        }
        if (failed.Count > 0)
        {
            await using var markFailed = new NpgsqlCommand("""
                UPDATE outbox SET attempts = attempts + 1, last_error = left($2, 500),
                    next_attempt_at = $1 + make_interval(secs => LEAST($3, power(2, attempts)))
                WHERE id = ANY($4)
                """, connection, transaction);
            markFailed.Parameters.Add(new NpgsqlParameter { Value = now });
            markFailed.Parameters.Add(new NpgsqlParameter { Value = error ?? "" });
            markFailed.Parameters.Add(new NpgsqlParameter { Value = _options.MaxBackoff.TotalSeconds });
            markFailed.Parameters.Add(new NpgsqlParameter { Value = failed.ToArray() });
            await markFailed.ExecuteNonQueryAsync(cancellationToken);
        }
        if (rejected.Count > 0)
        {
            await using var markRejected = new NpgsqlCommand("UPDATE outbox SET rejected_at = $1, attempts = attempts + 1, last_error = left($2, 500) WHERE id = ANY($3)", connection, transaction);
            markRejected.Parameters.Add(new NpgsqlParameter { Value = now });
            markRejected.Parameters.Add(new NpgsqlParameter { Value = rejection ?? "" });
            markRejected.Parameters.Add(new NpgsqlParameter { Value = rejected.ToArray() });
            await markRejected.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return rows.Count;
    }

    private enum Delivery { Sent, Failed, Refused }

    private sealed record Attempt(IReadOnlyList<OutboxRow> Calls, Delivery Delivery, string? Message);

    /// <summary>
    /// Sends calls in one batch: sent (2xx), refused for good (the payload itself is bad: 400, 413, 422), or failed and
    /// retried later (anything else: unreachable, 5xx, 429, and 401/403/404, which mean a configuration problem, not a bad fact).
    /// </summary>
    private static async Task<Attempt> SendAsync(TrackingClient tracking, IReadOnlyList<OutboxRow> calls, CancellationToken cancellationToken)
    {
        try
        {
            using var activity = OutboxTracing.StartRelay("outbox tracking calls", calls.Select(row => row.TraceParent));
            await tracking.SendAsync(calls.Select(ToTrackingCall).ToList(), cancellationToken);
            return new Attempt(calls, Delivery.Sent, null);
        }
        catch (HttpRequestException exception) when (exception.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.RequestEntityTooLarge or HttpStatusCode.UnprocessableEntity)
        {
            return new Attempt(calls, Delivery.Refused, exception.Message);
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or TimeoutException && !cancellationToken.IsCancellationRequested)
        {
            return new Attempt(calls, Delivery.Failed, exception.Message);
        }
    }

    private async Task CleanUpAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (now < _nextCleanup)
        {
            return;
        }
        _nextCleanup = now.AddMinutes(10);
        await using var command = dataSource.CreateCommand("DELETE FROM outbox WHERE sent_at < $1");
        command.Parameters.Add(new NpgsqlParameter { Value = now - _options.Retention });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static TrackingCall ToTrackingCall(OutboxRow row) => row.Kind == FactOutbox.TrackKind
        ? JsonSerializer.Deserialize<TrackCall>(row.Payload, FactOutbox.Json)!
        : JsonSerializer.Deserialize<IdentifyCall>(row.Payload, FactOutbox.Json)!;

    private static Type ContractType(string? name) =>
        (name is null ? null : typeof(CouponIssued).Assembly.GetType(name))
        ?? throw new InvalidOperationException($"Outbox message type '{name}' is not a contract.");

    /// <summary>The bus message id of an outbox row: the same on every resend, so consumers can de-duplicate.</summary>
    internal static Guid DeterministicGuid(string messageId) => new(SHA256.HashData(Encoding.UTF8.GetBytes(messageId)).AsSpan(0, 16));

    private sealed record OutboxRow(long Id, string MessageId, string Kind, string? MessageType, string Payload, string? TraceParent);
}
