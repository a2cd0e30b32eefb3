using System.Net.Http.Json;
using System.Text.Json;

namespace Alle.Web.Services.Destinations;

/// <summary>Destinations for the console (admin key): configuration, sources, mappings and their tests, syncs, the delivery log, counts and dead letters.</summary>
public sealed class DestinationsAdminService(HttpClient http)
{
    /// <summary>A member's part of her data export: her consent, her events' deliveries, what syncs told destinations about her.</summary>
    public Task<JsonElement> ExportMemberAsync(string userId, CancellationToken cancellationToken) =>
        http.GetAsync($"/api/destinations/members/{ServiceResponses.Escape(userId)}/export", cancellationToken).ReadAsync<JsonElement>(cancellationToken);

    public async Task<IReadOnlyList<Destination>> ListAsync(CancellationToken cancellationToken) =>
        (await http.GetAsync("/api/destinations", cancellationToken).ReadAsync<DataList<Destination>>(cancellationToken)).Data;

    public Task<Destination?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        http.GetAsync($"/api/destinations/{id}", cancellationToken).ReadOrNullAsync<Destination>(cancellationToken);

    public Task<DestinationCreated> CreateAsync(object request, CancellationToken cancellationToken) =>
        http.PostAsJsonAsync("/api/destinations", request, cancellationToken).ReadAsync<DestinationCreated>(cancellationToken);

    public Task<Destination> UpdateAsync(Guid id, object request, CancellationToken cancellationToken) =>
        http.PutAsJsonAsync($"/api/destinations/{id}", request, cancellationToken).ReadAsync<Destination>(cancellationToken);

    public Task SetEnabledAsync(Guid id, bool enabled, CancellationToken cancellationToken) =>
        http.PostAsync($"/api/destinations/{id}/{(enabled ? "enable" : "disable")}", null, cancellationToken).SucceedAsync(cancellationToken);

    public async Task<string> RotateSecretAsync(Guid id, CancellationToken cancellationToken) =>
        (await http.PostAsync($"/api/destinations/{id}/rotate-secret", null, cancellationToken).ReadAsync<Secret>(cancellationToken)).Value;

    public Task ConnectAsync(Guid id, string source, CancellationToken cancellationToken) =>
        http.PutAsync($"/api/destinations/{id}/sources/{ServiceResponses.Escape(source)}", null, cancellationToken).SucceedAsync(cancellationToken);

    public Task DisconnectAsync(Guid id, string source, CancellationToken cancellationToken) =>
        http.DeleteAsync($"/api/destinations/{id}/sources/{ServiceResponses.Escape(source)}", cancellationToken).SucceedAsync(cancellationToken);

    public Task AddMappingAsync(Guid id, string name, JsonElement trigger, JsonElement request, CancellationToken cancellationToken) =>
        http.PostAsJsonAsync($"/api/destinations/{id}/mappings", new { name, enabled = true, trigger, request }, cancellationToken).SucceedAsync(cancellationToken);

    public Task DeleteMappingAsync(Guid id, Guid mappingId, CancellationToken cancellationToken) =>
        http.DeleteAsync($"/api/destinations/{id}/mappings/{mappingId}", cancellationToken).SucceedAsync(cancellationToken);

    public Task<MappingTest> TestMappingAsync(Guid id, JsonElement trigger, JsonElement request, bool send, CancellationToken cancellationToken) =>
        http.PostAsJsonAsync($"/api/destinations/{id}/mappings/test", new { trigger, request, send }, cancellationToken).ReadAsync<MappingTest>(cancellationToken);

    public async Task<IReadOnlyList<Sync>> SyncsAsync(Guid id, CancellationToken cancellationToken) =>
        (await http.GetAsync($"/api/destinations/{id}/syncs", cancellationToken).ReadAsync<DataList<Sync>>(cancellationToken)).Data;

    public Task AddSyncAsync(Guid id, string? audience, string? computedTrait, bool identify, bool track, CancellationToken cancellationToken) =>
        http.PostAsJsonAsync($"/api/destinations/{id}/syncs", new { audience, computedTrait, identify, track }, cancellationToken).SucceedAsync(cancellationToken);

    public Task DeleteSyncAsync(Guid id, Guid syncId, CancellationToken cancellationToken) =>
        http.DeleteAsync($"/api/destinations/{id}/syncs/{syncId}", cancellationToken).SucceedAsync(cancellationToken);

    public Task<Stats> StatsAsync(Guid id, int hours, CancellationToken cancellationToken) =>
        http.GetAsync($"/api/destinations/{id}/stats?hours={hours}", cancellationToken).ReadAsync<Stats>(cancellationToken);

    public async Task<IReadOnlyList<DeliveryAttempt>> LogAsync(Guid id, int limit, CancellationToken cancellationToken) =>
        (await http.GetAsync($"/api/destinations/{id}/log?limit={limit}", cancellationToken).ReadAsync<DataList<DeliveryAttempt>>(cancellationToken)).Data;

    public async Task<IReadOnlyList<DeadLetter>> DeadLettersAsync(Guid id, int limit, CancellationToken cancellationToken) =>
        (await http.GetAsync($"/api/destinations/{id}/dead-letters?limit={limit}", cancellationToken).ReadAsync<DataList<DeadLetter>>(cancellationToken)).Data;

    public async Task<int> ReplayAsync(Guid id, long[]? ids, CancellationToken cancellationToken) =>
        (await http.PostAsJsonAsync($"/api/destinations/{id}/dead-letters/replay", ids is null ? new { all = true } : (object)new { ids }, cancellationToken)
            .ReadAsync<Replayed>(cancellationToken)).Count;

    private sealed record DataList<T>(IReadOnlyList<T> Data);

    private sealed record Secret([property: System.Text.Json.Serialization.JsonPropertyName("secret")] string Value);

    private sealed record Replayed([property: System.Text.Json.Serialization.JsonPropertyName("replayed")] int Count);
}

public sealed record DeliverySettings(bool Ordered, int Concurrency, int? RateLimitPerSecond, int RetryWindowSeconds, int TimeoutMs);

public sealed record Mapping(Guid Id, string Name, bool Enabled, JsonElement Trigger, JsonElement Request, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

public sealed record SyncSummary(Guid Id, string Kind, string Key, string Name, bool SendIdentify, bool SendTrack);

public sealed record Destination(Guid Id, string Name, string Type, bool Enabled, JsonElement Settings, string SecretHint, IReadOnlyList<string> ConsentCategories,
    JsonElement Filters, DeliverySettings Delivery, IReadOnlyList<string> Sources, IReadOnlyList<Mapping> Mappings, IReadOnlyList<SyncSummary> Syncs,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

public sealed record DestinationCreated(Destination Destination, string Secret);

public sealed record Backfill(string Status, int Generation, long Sent, string? Error, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt);

public sealed record Sync(Guid Id, string Kind, string Key, string Name, Guid DefinitionId, bool SendIdentify, bool SendTrack, Backfill Backfill, DateTimeOffset CreatedAt);

public sealed record QueueState(long Pending, long DeadLetters, DateTimeOffset? OldestPendingAt);

public sealed record HourCounts(DateTimeOffset Hour, long Delivered, long Retried, long Failed, long DeadLettered, long Filtered, long ConsentBlocked, long Suppressed);

public sealed record Stats(QueueState Queue, HourCounts Totals, IReadOnlyList<HourCounts> Hours);

public sealed record DeliveryAttempt(long Id, long DeliveryId, string MessageId, int Attempt, string Outcome, int? StatusCode, int LatencyMs, string? ResponseBody,
    string? Error, DateTimeOffset AttemptedAt);

public sealed record DeadLetter(long Id, string MessageId, Guid? MappingId, string Status, string Reason, int Attempts, int? LastStatusCode, string? LastError,
    DateTimeOffset EnqueuedAt, DateTimeOffset? FinishedAt, JsonElement? Event);

public sealed record RenderedRequest(string Method, string Url, IReadOnlyDictionary<string, string> Headers, string? Body);

public sealed record TestAnswer(int? StatusCode, int LatencyMs, string? Body, string? Error);

public sealed record MappingTest(JsonElement Event, bool Matched, RenderedRequest? Request, string? Error, TestAnswer? Response);
