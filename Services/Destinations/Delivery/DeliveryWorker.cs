using System.Collections.Concurrent;
using Alle.Destinations.Configuration;
using Alle.Destinations.Extensions;
using Alle.Platform.Sql;
using Alle.Platform.Workers;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Alle.Destinations.Delivery;

/// <summary>
/// Finds the enabled destinations with due deliveries (polling, and woken when events are queued) and runs one lane per
/// destination (<see cref="DeliveryLane"/>), at most <see cref="DeliveryOptions.MaxLanes"/> at once. A lane runs until
/// its destination has nothing due — or, while other destinations wait for a free lane, for one
/// <see cref="DeliveryOptions.LaneSlice"/>, after which the destination whose oldest due delivery is oldest goes first; a
/// destination that answered 429 is left alone until its <c>Retry-After</c> has passed. Lanes are independent: a slow
/// or failing destination holds only its own lane and its own queue, and many busy ones take turns.
/// </summary>
internal sealed class DeliveryWorker(
    NpgsqlDataSource dataSource,
    CatalogStore catalogs,
    DeliveryLane lane,
    WorkSignal<DeliveryWorker> signal,
    IOptions<DestinationsOptions> options,
    TimeProvider clock,
    ILogger<DeliveryWorker> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<Guid, Task> _lanes = new();
    private readonly ConcurrentDictionary<Guid, DateTimeOffset> _pausedUntil = new();
    private volatile bool _othersWaiting;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var waiting = false;
                foreach (var destinationId in await DueDestinationsAsync(stoppingToken))
                {
                    if (_lanes.ContainsKey(destinationId) || _pausedUntil.TryGetValue(destinationId, out var until) && until > clock.GetUtcNow())
                    {
                        continue;
                    }
                    if (_lanes.Count >= options.Value.Delivery.MaxLanes)
                    {
                        waiting = true;
                        break;
                    }
                    _ = _lanes.GetOrAdd(destinationId, id => Task.Run(() => RunLaneAsync(id, stoppingToken), CancellationToken.None));
                }
                _othersWaiting = waiting;
            }
            catch (Exception exception) when (exception is NpgsqlException or TimeoutException)
            {
                logger.LogWarning("Looking for due deliveries failed: {Message}", exception.Message);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            await signal.WaitAsync(options.Value.Delivery.PollInterval, clock, stoppingToken);
        }
        await Task.WhenAll(_lanes.Values);
    }

    private async Task RunLaneAsync(Guid destinationId, CancellationToken stoppingToken)
    {
        var slice = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            while (!stoppingToken.IsCancellationRequested && !(_othersWaiting && slice.Elapsed >= options.Value.Delivery.LaneSlice))
            {
                var destination = (await catalogs.GetAsync(stoppingToken)).Find(destinationId);
                if (destination is not { Enabled: true })
                {
                    return;
                }
                var (attempted, pause) = await lane.RunOnceAsync(destination, stoppingToken);
                if (pause is { } wait)
                {
                    _pausedUntil[destinationId] = clock.GetUtcNow() + wait;
                    return;
                }
                if (attempted == 0)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception exception) when (exception is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            // What was claimed returns to the queue with the rolled-back transaction; the lane starts again on the next pass.
            logger.LogWarning(exception, "Delivery to destination {DestinationId} interrupted", destinationId);
        }
        finally
        {
            _lanes.TryRemove(destinationId, out _);
        }
    }

    private async Task<List<Guid>> DueDestinationsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ListAsync("""
            SELECT d.id FROM destinations d
            CROSS JOIN LATERAL (
                SELECT q.next_attempt_at FROM deliveries q
                WHERE q.destination_id = d.id AND q.status = 'pending' AND q.next_attempt_at <= $1
                ORDER BY q.next_attempt_at LIMIT 1
            ) oldest
            WHERE d.enabled
            ORDER BY oldest.next_attempt_at
            """, reader => reader.GetGuid(0), cancellationToken, clock.GetUtcNow());
    }
}
