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
/// its destination has nothing due; a destination that answered 429 is left alone until its <c>Retry-After</c> has passed.
/// Lanes are independent: a slow or failing destination holds only its own lane and its own queue.
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

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                foreach (var destinationId in await DueDestinationsAsync(stoppingToken))
                {
                    if (_lanes.Count >= options.Value.Delivery.MaxLanes)
                    {
                        break;
                    }
                    if (_pausedUntil.TryGetValue(destinationId, out var until) && until > clock.GetUtcNow())
                    {
                        continue;
                    }
                    _ = _lanes.GetOrAdd(destinationId, id => Task.Run(() => RunLaneAsync(id, stoppingToken), CancellationToken.None));
                }
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
        try
        {
            while (!stoppingToken.IsCancellationRequested)
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
            WHERE d.enabled AND EXISTS (SELECT 1 FROM deliveries q WHERE q.destination_id = d.id AND q.status = 'pending' AND q.next_attempt_at <= $1)
            """, reader => reader.GetGuid(0), cancellationToken, clock.GetUtcNow());
    }
}
