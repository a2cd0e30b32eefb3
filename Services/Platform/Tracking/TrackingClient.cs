using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Alle.Platform.Tracking;

/// <summary>
/// A server-side Segment client for our own services: sends identify and track calls to the ingestion service's
/// Tracking API (<c>http://ingestion/v1/batch</c>) with the service's source write key (<c>Tracking:WriteKey</c>).
/// Callers choose the <c>messageId</c>, so a retried fact is stored once.
/// </summary>
public sealed class TrackingClient(HttpClient http)
{
    public Task TrackAsync(TrackCall call, CancellationToken cancellationToken = default) => SendAsync([call], cancellationToken);

    /// <summary>Sends calls in one batch; throws <see cref="HttpRequestException"/> unless ingestion acknowledged them (2xx = durable).</summary>
    public async Task SendAsync(IReadOnlyList<TrackingCall> calls, CancellationToken cancellationToken = default)
    {
        using var response = await http.PostAsJsonAsync("/v1/batch", new { batch = calls }, cancellationToken);
        response.EnsureSuccessStatusCode();
    }
}

/// <summary>One call of Segment's spec; <see cref="Type"/> is identify, track, page, screen, group or alias.</summary>
[JsonPolymorphic(UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FallBackToBaseType)]
[JsonDerivedType(typeof(TrackCall))]
[JsonDerivedType(typeof(IdentifyCall))]
[JsonDerivedType(typeof(PageCall))]
public abstract record TrackingCall(string Type, string MessageId, string? UserId, string? AnonymousId, DateTimeOffset? Timestamp)
{
    [JsonPropertyName("context")]
    public object? Context { get; init; }
}

public sealed record TrackCall(string MessageId, string? UserId, string? AnonymousId, string Event, object? Properties = null, DateTimeOffset? Timestamp = null)
    : TrackingCall("track", MessageId, UserId, AnonymousId, Timestamp);

public sealed record IdentifyCall(string MessageId, string? UserId, string? AnonymousId, object? Traits = null, DateTimeOffset? Timestamp = null)
    : TrackingCall("identify", MessageId, UserId, AnonymousId, Timestamp);

/// <summary>A page view (Segment's page call): <see cref="Name"/> is the page's name, <see cref="Properties"/> its path, url, referrer and title.</summary>
public sealed record PageCall(string MessageId, string? UserId, string? AnonymousId, string? Name, object? Properties = null, DateTimeOffset? Timestamp = null)
    : TrackingCall("page", MessageId, UserId, AnonymousId, Timestamp);

public static class TrackingClientExtensions
{
    /// <summary>Registers <see cref="TrackingClient"/> against <c>http://ingestion</c> with the write key in <c>Tracking:WriteKey</c>.</summary>
    public static IHttpClientBuilder AddTrackingClient(this IHostApplicationBuilder builder)
    {
        var writeKey = builder.Configuration["Tracking:WriteKey"];
        if (string.IsNullOrWhiteSpace(writeKey))
        {
            throw new InvalidOperationException("Configuration key 'Tracking:WriteKey' (environment variable Tracking__WriteKey) is missing: this service's source write key.");
        }

        // Its callers are outbox relays, which retry with their own backoff: a call fails fast instead of being retried here.
#pragma warning disable EXTEXP0001
        return builder.Services.AddHttpClient<TrackingClient>(client =>
        {
            client.BaseAddress = new Uri(builder.Configuration["Tracking:BaseAddress"] ?? "http://ingestion");
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{writeKey}:")));
            client.Timeout = TimeSpan.FromSeconds(10);
        }).RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
    }
}
