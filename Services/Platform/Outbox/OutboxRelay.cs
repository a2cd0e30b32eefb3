using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Alle.Platform.Tracking;
using Alle.Platform.Workers;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Alle.Platform.Outbox;

/// <summary>
/// Delivers outbox rows after their transaction commits (dotnet/eShop's integration event log): integration events to the
/// bus, Segment calls to ingestion's Tracking API. Delivered rows are kept for <see cref="OutboxOptions.Retention"/>; a failed row is tried again after a
/// backoff that grows to <see cref="OutboxOptions.MaxBackoff"/> and is never abandoned — a stuck row shows as the
/// outbox's oldest pending age (metric, health check, API). A destination that is down is left alone for a backoff
/// while the other goes on; rows sharing an ordering key go out in order. Replicas share rows through <c>SKIP LOCKED</c>;
/// a crash between delivery and commit delivers a row again, under the same message id.
/// </summary>
public sealed class OutboxRelay : BackgroundService
{
    private static readonly TimeSpan s_snapshotInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan s_cleanupInterval = TimeSpan.FromMinutes(10);

    private readonly OutboxStore _store;
    private readonly IBus _bus;
    private readonly IServiceScopeFactory _scopes;
    private readonly IOutboxBusHooks _hooks;
    private readonly OutboxMonitor _monitor;
    private readonly WorkSignal<OutboxRelay> _signal;
    private readonly OutboxOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger<OutboxRelay> _logger;
    private readonly ConcurrentDictionary<OutboxDestination, (int Failures, DateTimeOffset Until)> _pauses = new();
    private DateTimeOffset _nextSnapshot;
    private DateTimeOffset _nextCleanup;

    internal OutboxRelay(OutboxStore store, IBus bus, IServiceScopeFactory scopes, IOutboxBusHooks hooks, OutboxMonitor monitor,
        WorkSignal<OutboxRelay> signal, IOptions<OutboxOptions> options, TimeProvider clock, ILogger<OutboxRelay> logger)
    {
        (_store, _bus, _scopes, _hooks, _monitor, _signal, _options, _clock, _logger) =
            (store, bus, scopes, hooks, monitor, signal, options.Value, clock, logger);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var readFailures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var claimed = await RelayOnceAsync(stoppingToken);
                readFailures = 0;
                await RefreshSnapshotAsync(stoppingToken);
                if (claimed < _options.BatchSize)
                {
                    await _signal.WaitAsync(_options.PollInterval, _clock, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                // The database itself is unreachable: nothing was delivered or recorded; try again after a backoff.
                _monitor.ReadFailed(exception.Message);
                _logger.LogWarning("The outbox could not be read: {Message}", exception.Message);
                await Task.Delay(OutboxPlanning.Backoff(++readFailures, _options.MaxBackoff, Random.Shared.NextDouble()), _clock, stoppingToken)
                    .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    /// <summary>Claims one batch of due rows and delivers it; answers how many rows were claimed.</summary>
    internal async Task<int> RelayOnceAsync(CancellationToken cancellationToken)
    {
        var now = _clock.GetUtcNow();
        OutboxDestination[] paused = [.. _pauses.Where(pause => pause.Value.Until > now).Select(pause => pause.Key)];
        await using var claim = await _store.ClaimAsync(_options.Retention > TimeSpan.Zero, now, paused, _options.BatchSize, cancellationToken);
        if (claim.Rows.Count == 0)
        {
            await claim.CompleteAsync([], [], now, cancellationToken);
            return 0;
        }

        var outcome = new Outcome(this);
        var pending = new List<(ClaimedRow Row, PendingOutboxMessage Message)>();
        foreach (var row in claim.Rows)
        {
            try
            {
                pending.Add((row, new PendingOutboxMessage(row.Id, row.MessageId, Deserialize(row), row.OrderingKey, row.TraceParent)));
            }
            catch (Exception exception) when (exception is JsonException or InvalidOperationException or NotSupportedException)
            {
                outcome.Fail(row, $"unreadable: {exception.Message}");
            }
        }
        await Task.WhenAll(
            PublishAsync([.. pending.Where(p => p.Row.Destination == OutboxDestination.Bus)], outcome, cancellationToken),
            SendCallsAsync([.. pending.Where(p => p.Row.Destination == OutboxDestination.Tracking)], outcome, cancellationToken));

        await claim.CompleteAsync(outcome.Delivered, outcome.Failed, _clock.GetUtcNow(), cancellationToken);
        if (!outcome.Failed.IsEmpty)
        {
            _logger.LogWarning("Outbox: {Failed} of {Claimed} rows not delivered, retried later: {Error}", outcome.Failed.Count, claim.Rows.Count,
                outcome.Failed.First().Error);
        }
        return claim.Rows.Count;
    }

    private async Task PublishAsync(IReadOnlyList<(ClaimedRow Row, PendingOutboxMessage Message)> pending, Outcome outcome, CancellationToken cancellationToken)
    {
        if (pending.Count == 0)
        {
            return;
        }
        var rows = pending.ToDictionary(p => p.Message.RowId, p => p.Row);
        var messages = pending.Select(p => p.Message).ToList();
        try
        {
            await _hooks.BeforePublishingAsync(messages, cancellationToken);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            foreach (var row in rows.Values)
            {
                outcome.Fail(row, $"before publishing: {exception.Message}");
            }
            return;
        }

        var busDown = false;
        await Parallel.ForEachAsync(OutboxPlanning.Chains([.. _hooks.Plan(messages)]),
            new ParallelOptions { MaxDegreeOfParallelism = _options.Concurrency, CancellationToken = cancellationToken },
            async (chain, token) =>
            {
                foreach (var publication in chain)
                {
                    if (Volatile.Read(ref busDown))
                    {
                        return;
                    }
                    try
                    {
                        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(token);
                        deadline.CancelAfter(_options.PublishTimeout);
                        var type = publication.Message.GetType();
                        using var activity = OutboxTracing.StartRelay($"outbox {type.Name}", publication.Rows.Select(row => row.TraceParent));
                        var messageId = publication.BusMessageId;
                        await _bus.Publish(publication.Message, type, context => context.MessageId = messageId, deadline.Token);
                        outcome.Deliver(OutboxDestination.Bus, publication.Rows.Select(row => rows[row.RowId]));
                    }
                    catch (Exception exception) when (!token.IsCancellationRequested)
                    {
                        // The rest of this chain waits for the failed publication; the other chains stop too, the broker being down.
                        Volatile.Write(ref busDown, true);
                        outcome.DestinationDown(OutboxDestination.Bus, publication.Rows.Select(row => rows[row.RowId]), $"publish: {exception.Message}");
                        return;
                    }
                }
            });
    }

    private async Task SendCallsAsync(IReadOnlyList<(ClaimedRow Row, PendingOutboxMessage Message)> pending, Outcome outcome, CancellationToken cancellationToken)
    {
        if (pending.Count == 0)
        {
            return;
        }
        await using var scope = _scopes.CreateAsyncScope();
        if (scope.ServiceProvider.GetService<TrackingClient>() is not { } tracking)
        {
            outcome.DestinationDown(OutboxDestination.Tracking, pending.Select(p => p.Row), "this service has no tracking client");
            return;
        }

        switch (await SendAsync(tracking, pending, cancellationToken))
        {
            case (Delivery.Sent, _):
                outcome.Deliver(OutboxDestination.Tracking, pending.Select(p => p.Row));
                return;
            case (Delivery.Unavailable, var error):
                outcome.DestinationDown(OutboxDestination.Tracking, pending.Select(p => p.Row), $"tracking: {error}");
                return;
        }

        // Refused as a whole: each call alone, so one bad call holds back only itself and what follows it under its key.
        var heldKeys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var call in pending)
        {
            if (call.Row.OrderingKey is { } key && heldKeys.Contains(key))
            {
                continue;
            }
            switch (await SendAsync(tracking, [call], cancellationToken))
            {
                case (Delivery.Sent, _):
                    outcome.Deliver(OutboxDestination.Tracking, [call.Row]);
                    break;
                case (Delivery.Refused, var error):
                    outcome.Fail(call.Row, $"tracking refused: {error}");
                    if (call.Row.OrderingKey is { } refusedKey)
                    {
                        heldKeys.Add(refusedKey);
                    }
                    break;
                case (Delivery.Unavailable, var error):
                    outcome.DestinationDown(OutboxDestination.Tracking, [call.Row], $"tracking: {error}");
                    return;
            }
        }
    }

    private enum Delivery { Sent, Refused, Unavailable }

    /// <summary>
    /// Sent (2xx); refused because of the calls themselves (400, 413, 422), which other calls need not share; or unavailable
    /// (unreachable, timed out, 5xx, 429, and 401/403/404, which mean a configuration problem rather than a bad call).
    /// </summary>
    private static async Task<(Delivery, string?)> SendAsync(TrackingClient tracking, IReadOnlyList<(ClaimedRow Row, PendingOutboxMessage Message)> calls,
        CancellationToken cancellationToken)
    {
        try
        {
            using var activity = OutboxTracing.StartRelay("outbox tracking calls", calls.Select(call => call.Message.TraceParent));
            await tracking.SendAsync([.. calls.Select(call => (TrackingCall)call.Message.Message)], cancellationToken);
            return (Delivery.Sent, null);
        }
        catch (HttpRequestException exception) when (exception.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.RequestEntityTooLarge or HttpStatusCode.UnprocessableEntity)
        {
            return (Delivery.Refused, exception.Message);
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or TimeoutException && !cancellationToken.IsCancellationRequested)
        {
            return (Delivery.Unavailable, exception.Message);
        }
    }

    private static object Deserialize(ClaimedRow row) => row.Destination switch
    {
        OutboxDestination.Bus => JsonSerializer.Deserialize(row.Payload, ContractType(row.MessageType), OutboxEntry.Json)!,
        _ => row.MessageType switch
        {
            "track" => JsonSerializer.Deserialize<TrackCall>(row.Payload, OutboxEntry.Json)!,
            "identify" => JsonSerializer.Deserialize<IdentifyCall>(row.Payload, OutboxEntry.Json)!,
            "page" => JsonSerializer.Deserialize<PageCall>(row.Payload, OutboxEntry.Json)!,
            _ => throw new InvalidOperationException($"Unknown tracking call type '{row.MessageType}'."),
        },
    };

    private static Type ContractType(string name) =>
        typeof(Contracts.TrackedEvent).Assembly.GetType(name, throwOnError: false)
        ?? throw new InvalidOperationException($"'{name}' is not a message contract.");

    private async Task RefreshSnapshotAsync(CancellationToken cancellationToken)
    {
        var now = _clock.GetUtcNow();
        if (now < _nextSnapshot)
        {
            return;
        }
        _nextSnapshot = now + s_snapshotInterval;
        _monitor.Read(await _store.ReadSnapshotAsync(now, cancellationToken));
        if (now >= _nextCleanup && _options.Retention > TimeSpan.Zero)
        {
            _nextCleanup = now + s_cleanupInterval;
            await _store.DeleteSentAsync(now - _options.Retention, cancellationToken);
        }
    }

    /// <summary>What became of a pass's rows, and the destinations it found down.</summary>
    private sealed class Outcome(OutboxRelay relay)
    {
        private readonly ConcurrentBag<long> _delivered = [];
        private readonly ConcurrentBag<FailedRow> _failed = [];

        public IReadOnlyCollection<long> Delivered => _delivered;

        public ConcurrentBag<FailedRow> Failed => _failed;

        public void Deliver(OutboxDestination destination, IEnumerable<ClaimedRow> rows)
        {
            var count = 0;
            foreach (var row in rows)
            {
                _delivered.Add(row.Id);
                count++;
            }
            relay._pauses.TryRemove(destination, out _);
            relay._monitor.Delivered(destination, count);
        }

        public void Fail(ClaimedRow row, string error)
        {
            var delay = OutboxPlanning.Backoff(row.Attempts + 1, relay._options.MaxBackoff, Random.Shared.NextDouble());
            _failed.Add(new FailedRow(row.Id, error, relay._clock.GetUtcNow() + delay));
            relay._monitor.Failed(row.Destination, 1);
        }

        /// <summary>The attempted rows fail; the destination is not tried again, by this replica, until its own backoff ends.</summary>
        public void DestinationDown(OutboxDestination destination, IEnumerable<ClaimedRow> attempted, string error)
        {
            foreach (var row in attempted)
            {
                Fail(row, error);
            }
            var now = relay._clock.GetUtcNow();
            relay._pauses.AddOrUpdate(destination,
                _ => (1, now + OutboxPlanning.Backoff(1, relay._options.MaxBackoff, Random.Shared.NextDouble())),
                (_, pause) => (pause.Failures + 1, now + OutboxPlanning.Backoff(pause.Failures + 1, relay._options.MaxBackoff, Random.Shared.NextDouble())));
        }
    }
}
