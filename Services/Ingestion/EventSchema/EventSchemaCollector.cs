using Alle.Contracts;
using Npgsql;

namespace Alle.Ingestion.EventSchema;

/// <summary>
/// Collects the event schema off the request path's back: each committed batch is counted in memory (no I/O), and
/// every <see cref="FlushInterval"/> what accumulated is upserted in one pass per source. A flush that fails is
/// dropped (the schema describes what is sent; the next calls fill it in) rather than held in memory without bound.
/// </summary>
internal sealed class EventSchemaCollector(EventSchemaStore store, TimeProvider clock, ILogger<EventSchemaCollector> logger) : BackgroundService
{
    public static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(2);

    private readonly Lock _gate = new();
    private SchemaObservations _pending = new(SchemaLimits.Default);

    public void Observe(IReadOnlyList<TrackedEvent> events)
    {
        lock (_gate)
        {
            foreach (var tracked in events)
            {
                _pending.Observe(tracked);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(FlushInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await FlushAsync(cancellationToken);
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        SchemaObservations taken;
        lock (_gate)
        {
            if (_pending.IsEmpty)
            {
                return;
            }
            taken = _pending;
            _pending = new SchemaObservations(SchemaLimits.Default);
        }
        try
        {
            await store.WriteAsync(taken, SchemaLimits.Default, cancellationToken);
        }
        catch (Exception exception) when (exception is NpgsqlException or TimeoutException or OperationCanceledException)
        {
            logger.LogWarning("The event schema could not be updated; this interval's counts are dropped: {Message}", exception.Message);
        }
    }
}
