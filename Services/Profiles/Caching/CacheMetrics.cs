using System.Diagnostics.Metrics;

namespace Alle.Profiles.Caching;

internal enum CacheLayer
{
    Memory,
    Redis,
    Database,
}

/// <summary>Where profile reads were answered from (meter <c>Alle.Profiles</c>), and the in-process layer's size.</summary>
internal sealed class CacheMetrics
{
    private static readonly KeyValuePair<string, object?>[] s_layers =
    [
        new("layer", "memory"),
        new("layer", "redis"),
        new("layer", "database"),
    ];

    private readonly Counter<long> _reads;

    public CacheMetrics(IMeterFactory meters, LocalProfileCache local)
    {
        var meter = meters.Create("Alle.Profiles");
        _reads = meter.CreateCounter<long>("alle.profiles.cache.reads", description: "Profile reads, by the layer that answered.");
        meter.CreateObservableGauge("alle.profiles.cache.local_documents", () => local.Count, description: "Documents held in this instance's memory.");
    }

    public void Read(CacheLayer layer) => _reads.Add(1, s_layers[(int)layer]);
}
