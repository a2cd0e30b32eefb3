using System.Text.Json;
using Alle.Destinations.Filtering;
using Alle.Destinations.Mappings;

namespace Alle.Destinations.Configuration;

internal static class SyncKinds
{
    public const string Audience = "audience";
    public const string ComputedTrait = "computed_trait";
}

/// <summary>One mapping of an <c>http</c> destination: the events it is for, and the request it makes of each.</summary>
internal sealed record Mapping(Guid Id, Guid DestinationId, string Name, bool Enabled, JsonElement TriggerJson, JsonElement RequestJson,
    Condition Trigger, MappingTemplate Template, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>An audience or computed trait synced to a destination (Engage), with the state of its backfill.</summary>
internal sealed record Sync(Guid Id, Guid DestinationId, string Kind, string Key, string Name, Guid DefinitionId, bool SendIdentify, bool SendTrack,
    string BackfillStatus, int BackfillGeneration, long BackfillSent, string? BackfillError, DateTimeOffset? BackfillStartedAt,
    DateTimeOffset? BackfillFinishedAt, DateTimeOffset CreatedAt);

/// <summary>A destination with everything needed to decide and deliver: filters and mapping templates compiled once.</summary>
internal sealed record Destination(
    Guid Id,
    DestinationDefinition Definition,
    string Secret,
    DestinationFilters Filters,
    IReadOnlyList<Mapping> Mappings,
    IReadOnlySet<string> Sources,
    IReadOnlyList<Sync> Syncs,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public string Name => Definition.Name;

    public bool Enabled => Definition.Enabled;

    public bool IsWebhook => Definition.Type == DestinationTypes.Webhook;

    /// <summary>The last four characters, which is all the API shows of a secret after it was first given out.</summary>
    public string SecretHint => Secret.Length > 4 ? "…" + Secret[^4..] : "…";
}

/// <summary>Every destination as of one catalog version; each instance reloads it when the version moves.</summary>
internal sealed class Catalog
{
    public static readonly Catalog Empty = new(0, []);

    private readonly Dictionary<Guid, Destination> _byId;
    private readonly Dictionary<string, List<Destination>> _bySource;
    private readonly Dictionary<(string Kind, string Key), List<(Destination, Sync)>> _syncs;

    public Catalog(long version, IReadOnlyList<Destination> destinations)
    {
        Version = version;
        All = destinations;
        _byId = destinations.ToDictionary(d => d.Id);
        _bySource = destinations.Where(d => d.Enabled)
            .SelectMany(d => d.Sources.Select(source => (source, d)))
            .GroupBy(pair => pair.source, StringComparer.Ordinal)
            .ToDictionary(group => group.Key, group => group.Select(pair => pair.d).ToList(), StringComparer.Ordinal);
        _syncs = destinations.Where(d => d.Enabled)
            .SelectMany(d => d.Syncs.Select(sync => (d, sync)))
            .GroupBy(pair => (pair.sync.Kind, pair.sync.Key))
            .ToDictionary(group => group.Key, group => group.ToList());
    }

    public long Version { get; }

    public IReadOnlyList<Destination> All { get; }

    public Destination? Find(Guid id) => _byId.GetValueOrDefault(id);

    /// <summary>The enabled destinations a source is connected to.</summary>
    public IReadOnlyList<Destination> ForSource(string sourceId) => _bySource.TryGetValue(sourceId, out var found) ? found : [];

    public IReadOnlyList<(Destination Destination, Sync Sync)> SyncsOf(string kind, string key) => _syncs.TryGetValue((kind, key), out var found) ? found : [];

    public bool HasSyncs(string kind) => _syncs.Keys.Any(k => k.Kind == kind);

    public IEnumerable<string> SyncedKeys(string kind) => _syncs.Keys.Where(k => k.Kind == kind).Select(k => k.Key);
}
