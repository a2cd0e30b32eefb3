using System.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Alle.Platform.Outbox;

/// <summary>
/// What the outbox holds and how deliveries go, as the relay last read it: metrics (meter <c>Alle.Outbox</c>), the
/// <c>outbox</c> health check (Degraded once the oldest pending row is older than <see cref="OutboxOptions.DegradedAfter"/>)
/// and the outbox API.
/// </summary>
public sealed class OutboxMonitor
{
    private readonly TimeProvider _clock;
    private readonly Counter<long> _delivered;
    private readonly Counter<long> _failed;
    private volatile OutboxSnapshot? _snapshot;
    private volatile string? _readError;

    public OutboxMonitor(IMeterFactory meters, TimeProvider clock)
    {
        _clock = clock;
        var meter = meters.Create("Alle.Outbox");
        _delivered = meter.CreateCounter<long>("alle.outbox.delivered", description: "Outbox rows delivered, by destination.");
        _failed = meter.CreateCounter<long>("alle.outbox.failed", description: "Outbox deliveries that failed and were rescheduled, by destination.");
        meter.CreateObservableGauge("alle.outbox.pending", () => _snapshot?.Pending ?? 0, description: "Rows waiting to be delivered.");
        meter.CreateObservableGauge("alle.outbox.failing", () => _snapshot?.Failing ?? 0, description: "Pending rows whose last delivery failed.");
        meter.CreateObservableGauge("alle.outbox.oldest_pending_age", () => OldestPendingAge?.TotalSeconds ?? 0, unit: "s",
            description: "Age of the oldest row waiting to be delivered.");
    }

    public OutboxSnapshot? Snapshot => _snapshot;

    /// <summary>Why the outbox could not be read last time, if it could not.</summary>
    public string? ReadError => _readError;

    public TimeSpan? OldestPendingAge => _snapshot?.OldestPendingAt is { } oldest ? _clock.GetUtcNow() - oldest : null;

    internal void Read(OutboxSnapshot snapshot)
    {
        _snapshot = snapshot;
        _readError = null;
    }

    internal void ReadFailed(string error) => _readError = error;

    internal void Delivered(OutboxDestination destination, int rows) =>
        _delivered.Add(rows, new KeyValuePair<string, object?>("destination", OutboxDestinations.Name(destination)));

    internal void Failed(OutboxDestination destination, int rows) =>
        _failed.Add(rows, new KeyValuePair<string, object?>("destination", OutboxDestinations.Name(destination)));
}

internal sealed class OutboxHealthCheck(OutboxMonitor monitor, IOptions<OutboxOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var snapshot = monitor.Snapshot;
        var data = new Dictionary<string, object>
        {
            ["pending"] = snapshot?.Pending ?? 0,
            ["failing"] = snapshot?.Failing ?? 0,
            ["oldestPendingAgeSeconds"] = Math.Round(monitor.OldestPendingAge?.TotalSeconds ?? 0, 1),
        };
        if (monitor.ReadError is { } readError)
        {
            return Task.FromResult(HealthCheckResult.Degraded($"The outbox could not be read: {readError}", data: data));
        }
        return Task.FromResult(monitor.OldestPendingAge is { } age && age > options.Value.DegradedAfter
            ? HealthCheckResult.Degraded($"The oldest undelivered row is {age.TotalSeconds:0} s old ({snapshot!.Failing} failing; last error: {snapshot.LastError ?? "none"}).", data: data)
            : HealthCheckResult.Healthy(data: data));
    }
}
