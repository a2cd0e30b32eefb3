using System.Diagnostics.Metrics;

namespace Alle.Profiles.Resolution;

/// <summary>Counters of identity resolution (meter <c>Alle.Profiles</c>, exported with the service defaults' OpenTelemetry).</summary>
internal sealed class ResolutionMetrics
{
    private readonly Counter<long> _resolved;
    private readonly Counter<long> _merges;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _retries;
    private readonly Histogram<double> _batchDuration;

    public ResolutionMetrics(IMeterFactory meters)
    {
        var meter = meters.Create("Alle.Profiles");
        _resolved = meter.CreateCounter<long>("alle.profiles.events_resolved", description: "Events attached to a profile.");
        _merges = meter.CreateCounter<long>("alle.profiles.merges", description: "Profiles folded into another.");
        _dropped = meter.CreateCounter<long>("alle.profiles.identifiers_dropped", description: "Identifiers merge protection left out of a match.");
        _retries = meter.CreateCounter<long>("alle.profiles.batch_retries", description: "Batches resolved again after a concurrent change.");
        _batchDuration = meter.CreateHistogram<double>("alle.profiles.batch_duration", "ms", "Time to resolve one batch, commit included.");
    }

    public void Resolved(int events, int merges, int dropped, TimeSpan duration)
    {
        _resolved.Add(events);
        _merges.Add(merges);
        _dropped.Add(dropped);
        _batchDuration.Record(duration.TotalMilliseconds);
    }

    public void Retried() => _retries.Add(1);
}
