using System.Text.Json;
using Alle.Contracts;
using Alle.Ingestion.Sources;
using Alle.Ingestion.Storage;
using MassTransit;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Alle.Ingestion.Apis;

/// <summary>Segment's HTTP Tracking API (walking skeleton: track only).</summary>
internal static class TrackingApi
{
    public static void MapTrackingApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1");
        api.MapPost("/track", Track);
    }

    private static async Task<Results<Ok<TrackResponse>, UnauthorizedHttpResult, BadRequest<ProblemDetailsBody>>> Track(
        HttpRequest request, WriteKeys writeKeys, EventStore store, IPublishEndpoint publisher, TimeProvider clock, CancellationToken cancellationToken)
    {
        var sourceId = writeKeys.FindSource(AdminKeyAuthentication.ReadPresentedKey(request.Headers.Authorization));
        if (sourceId is null)
        {
            return TypedResults.Unauthorized();
        }

        JsonElement body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<JsonElement>(request.Body, cancellationToken: cancellationToken);
        }
        catch (JsonException exception)
        {
            return TypedResults.BadRequest(new ProblemDetailsBody("Malformed JSON", exception.Message));
        }

        var receivedAt = clock.GetUtcNow();
        var trackedEvent = new TrackedEvent(
            sourceId,
            Text(body, "messageId") ?? Guid.NewGuid().ToString(),
            "track",
            Text(body, "userId"),
            Text(body, "anonymousId"),
            Text(body, "event"),
            Name: null,
            GroupId: null,
            PreviousId: null,
            Member(body, "properties"),
            Traits: null,
            Member(body, "context"),
            Member(body, "integrations"),
            receivedAt,
            OriginalTimestamp: null,
            SentAt: null,
            receivedAt);

        var fresh = await store.StoreAsync([trackedEvent], cancellationToken);
        if (fresh.Count > 0)
        {
            await publisher.Publish(new EventsIngested(Guid.NewGuid(), sourceId, fresh), cancellationToken);
        }
        return TypedResults.Ok(new TrackResponse(true));
    }

    private static string? Text(JsonElement body, string name) =>
        body.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static JsonElement? Member(JsonElement body, string name) =>
        body.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object ? value.Clone() : null;

    internal sealed record TrackResponse(bool Success);

    internal sealed record ProblemDetailsBody(string Title, string Detail);
}
