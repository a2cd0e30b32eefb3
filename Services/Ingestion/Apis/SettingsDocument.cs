using System.Text.Json.Serialization;

namespace Alle.Ingestion.Apis;

/// <summary>
/// The settings document Segment's mobile and C# libraries fetch at start (<c>/v1/projects/{writeKey}/settings</c>).
/// Its <c>Segment.io</c> integration tells them where to send events: back to this host (<c>apiHost</c>, without
/// scheme, ending in <c>/v1</c>; the libraries post batches to <c>https://{apiHost}/b</c>).
/// </summary>
internal sealed record SettingsDocument(
    IReadOnlyDictionary<string, SegmentIoSettings> Integrations,
    TrackingPlanSettings Plan,
    IReadOnlyDictionary<string, object> EdgeFunction,
    bool AnalyticsNextEnabled,
    IReadOnlyDictionary<string, object> MiddlewareSettings,
    IReadOnlyDictionary<string, object> EnabledMiddleware,
    MetricsSettings Metrics,
    bool LegacyVideoPluginsEnabled,
    IReadOnlyList<object> RemotePlugins)
{
    public static SettingsDocument For(string writeKey, string apiHost) => new(
        new Dictionary<string, SegmentIoSettings> { ["Segment.io"] = new(writeKey, apiHost, [], true, new Dictionary<string, object>()) },
        new TrackingPlanSettings(
            new Dictionary<string, PlanRule> { ["__default"] = new(true, new Dictionary<string, object>()) },
            new Dictionary<string, PlanRule> { ["__default"] = new(true, new Dictionary<string, object>()) },
            new Dictionary<string, PlanRule> { ["__default"] = new(true, new Dictionary<string, object>()) }),
        new Dictionary<string, object>(),
        true,
        new Dictionary<string, object>(),
        new Dictionary<string, object>(),
        new MetricsSettings(0),
        false,
        []);
}

internal sealed record SegmentIoSettings(
    string ApiKey,
    string ApiHost,
    IReadOnlyList<string> UnbundledIntegrations,
    bool AddBundledMetadata,
    IReadOnlyDictionary<string, object> MaybeBundledConfigIds);

internal sealed record TrackingPlanSettings(
    IReadOnlyDictionary<string, PlanRule> Track,
    IReadOnlyDictionary<string, PlanRule> Identify,
    IReadOnlyDictionary<string, PlanRule> Group);

internal sealed record PlanRule(bool Enabled, IReadOnlyDictionary<string, object> Integrations);

/// <summary>Client-side metrics reporting, switched off (there is no metrics endpoint here).</summary>
internal sealed record MetricsSettings([property: JsonPropertyName("sampleRate")] double SampleRate);
