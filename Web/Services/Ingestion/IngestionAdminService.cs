using System.Net.Http.Json;
using System.Text.Json;

namespace Alle.Web.Services.Ingestion;

/// <summary>Ingestion for the console (admin key): sources and write keys, tracking plans and their violations.</summary>
public sealed class IngestionAdminService(HttpClient http)
{
    public Task<List<Source>> ListSourcesAsync(CancellationToken cancellationToken) =>
        http.GetAsync("/api/ingestion/sources", cancellationToken).ReadAsync<List<Source>>(cancellationToken);

    public Task<Source?> GetSourceAsync(string id, CancellationToken cancellationToken) =>
        http.GetAsync($"/api/ingestion/sources/{ServiceResponses.Escape(id)}", cancellationToken).ReadOrNullAsync<Source>(cancellationToken);

    public Task<SourceWithKey> CreateSourceAsync(string name, string? id, CancellationToken cancellationToken) =>
        http.PostAsJsonAsync("/api/ingestion/sources", new { name, id = string.IsNullOrWhiteSpace(id) ? null : id }, cancellationToken)
            .ReadAsync<SourceWithKey>(cancellationToken);

    public Task<Source> SetEnabledAsync(string id, bool enabled, CancellationToken cancellationToken) =>
        http.PatchAsJsonAsync($"/api/ingestion/sources/{ServiceResponses.Escape(id)}", new { enabled }, cancellationToken).ReadAsync<Source>(cancellationToken);

    /// <summary>The events each source has sent (or one source's), with their properties' JSON types.</summary>
    public async Task<IReadOnlyList<SourceSchema>> SchemaAsync(string? sourceId, CancellationToken cancellationToken) =>
        (await http.GetAsync(sourceId is null ? "/api/ingestion/schema" : $"/api/ingestion/schema?sourceId={ServiceResponses.Escape(sourceId)}", cancellationToken)
            .ReadAsync<EventSchema>(cancellationToken)).Sources;

    public Task<SourceWithKey> RotateKeyAsync(string id, CancellationToken cancellationToken) =>
        http.PostAsync($"/api/ingestion/sources/{ServiceResponses.Escape(id)}/rotate-key", null, cancellationToken).ReadAsync<SourceWithKey>(cancellationToken);

    /// <summary>A source's accepted events per hour over the last 24 hours and its last event seen, from Ingestion's counters.</summary>
    public Task<SourceVolume> VolumeAsync(string id, CancellationToken cancellationToken) =>
        http.GetAsync($"/api/ingestion/sources/{ServiceResponses.Escape(id)}/volume", cancellationToken).ReadAsync<SourceVolume>(cancellationToken);

    /// <summary>The source's tracking plan document; null when it has none.</summary>
    public async Task<JsonElement?> GetTrackingPlanAsync(string id, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync($"/api/ingestion/sources/{ServiceResponses.Escape(id)}/tracking-plan", cancellationToken);
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
        await response.EnsureAcceptedAsync(cancellationToken);
        return await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
    }

    public Task SaveTrackingPlanAsync(string id, JsonElement plan, CancellationToken cancellationToken) =>
        http.PutAsJsonAsync($"/api/ingestion/sources/{ServiceResponses.Escape(id)}/tracking-plan", plan, cancellationToken).SucceedAsync(cancellationToken);

    public Task<List<EventViolations>> ViolationsAsync(string id, CancellationToken cancellationToken) =>
        http.GetAsync($"/api/ingestion/sources/{ServiceResponses.Escape(id)}/violations?examples=3", cancellationToken).ReadAsync<List<EventViolations>>(cancellationToken);
}

public sealed record Source(string Id, string Name, bool Enabled, int? RateLimitPerSecond, string WriteKeyHint, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    DateTimeOffset? KeyRotatedAt);

public sealed record SourceWithKey(Source Source, string WriteKey);

public sealed record HourlyVolume(DateTimeOffset Hour, long Events);

/// <summary>The latest event a source sent; <see cref="Name"/> is the track event's, page's or screen's name.</summary>
public sealed record LastEventSeen(DateTimeOffset ReceivedAt, string Type, string? Name);

public sealed record SourceVolume(string SourceId, IReadOnlyList<HourlyVolume> Hours, long LastHour, LastEventSeen? LastEvent);

public sealed record ViolationExample(string MessageId, string Kind, string Action, IReadOnlyList<string> Errors, DateTimeOffset ReceivedAt, JsonElement? Payload);

public sealed record EventViolations(string Event, long Count, long Blocked, DateTimeOffset LastSeen, IReadOnlyList<ViolationExample> Examples);

public sealed record EventSchema(IReadOnlyList<SourceSchema> Sources);

public sealed record SourceSchema(string SourceId, IReadOnlyList<SchemaEvent> Events, long EventsDropped);

/// <summary>A track event by name (<c>Event</c>), or a page, screen, identify or group call by type (no name), with its properties.</summary>
public sealed record SchemaEvent(string Type, string? Event, long Count, DateTimeOffset FirstSeen, DateTimeOffset LastSeen, IReadOnlyList<SchemaProperty> Properties,
    long PropertiesDropped);

public sealed record SchemaProperty(string Name, IReadOnlyList<string> Types, long Count, DateTimeOffset FirstSeen, DateTimeOffset LastSeen);
