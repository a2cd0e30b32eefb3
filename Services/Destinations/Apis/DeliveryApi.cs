using Alle.Platform.Authorization;
using System.Text.Json;
using Alle.Destinations.Configuration;
using Alle.Destinations.Delivery;
using Alle.Platform.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Alle.Destinations.Apis;

/// <summary>
/// A destination's deliveries as operators follow them: the delivery log (every attempt), counts per hour, the queue's
/// state, one message's deliveries, and the dead letters with their replay.
/// </summary>
internal static class DeliveryApi
{
    private const int MaxPage = 500;

    public static void MapDeliveryApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/destinations/{id:guid}").RequirePermission(Permissions.DestinationsWrite);
        api.MapGet("/log", Log).WithSummary("A destination's delivery log");
        api.MapGet("/stats", Stats).WithSummary("A destination's hourly delivery counts");
        api.MapGet("/deliveries", Deliveries).WithSummary("Deliveries of one event (by messageId) to a destination");
        api.MapGet("/dead-letters", DeadLetters).WithSummary("A destination's dead-lettered deliveries");
        api.MapPost("/dead-letters/replay", Replay).WithSummary("Replay dead-lettered deliveries");
    }

    private static async Task<Results<Ok<DataList<AttemptLine>>, ProblemHttpResult>> Log(Guid id, CatalogStore store, DeliveryReports reports,
        CancellationToken cancellationToken, int limit = 100, long? before = null, string? outcome = null, string? messageId = null) =>
        (await store.GetAsync(cancellationToken)).Find(id) is null
            ? Problems.DestinationNotFound(id)
            : TypedResults.Ok(new DataList<AttemptLine>(await reports.LogAsync(id, Math.Clamp(limit, 1, MaxPage), before, outcome, messageId, cancellationToken)));

    private static async Task<Results<Ok<StatsResponse>, ProblemHttpResult>> Stats(Guid id, CatalogStore store, DeliveryReports reports, TimeProvider clock,
        CancellationToken cancellationToken, int hours = 24)
    {
        if ((await store.GetAsync(cancellationToken)).Find(id) is null)
        {
            return Problems.DestinationNotFound(id);
        }
        var counts = await reports.CountsAsync(id, Math.Clamp(hours, 1, 24 * 14), clock.GetUtcNow(), cancellationToken);
        var totals = new HourCounts(counts[0].Hour, counts.Sum(c => c.Delivered), counts.Sum(c => c.Retried), counts.Sum(c => c.Failed),
            counts.Sum(c => c.DeadLettered), counts.Sum(c => c.Filtered), counts.Sum(c => c.ConsentBlocked), counts.Sum(c => c.Suppressed));
        return TypedResults.Ok(new StatsResponse(await reports.StateAsync(id, cancellationToken), totals, counts));
    }

    private static async Task<Results<Ok<DataList<DeliveryState>>, ProblemHttpResult>> Deliveries(Guid id, string messageId, CatalogStore store,
        DeliveryReports reports, CancellationToken cancellationToken) =>
        (await store.GetAsync(cancellationToken)).Find(id) is null
            ? Problems.DestinationNotFound(id)
            : TypedResults.Ok(new DataList<DeliveryState>(await reports.DeliveriesAsync(id, messageId, cancellationToken)));

    private static async Task<Results<Ok<DataList<DeadLetterResponse>>, ProblemHttpResult>> DeadLetters(Guid id, CatalogStore store, DeliveryReports reports,
        CancellationToken cancellationToken, int limit = 100, long? before = null) =>
        (await store.GetAsync(cancellationToken)).Find(id) is null
            ? Problems.DestinationNotFound(id)
            : TypedResults.Ok(new DataList<DeadLetterResponse>([.. (await reports.DeadLettersAsync(id, Math.Clamp(limit, 1, MaxPage), before, cancellationToken))
                .Select(DeadLetterResponse.From)]));

    private static async Task<Results<Ok<ReplayResponse>, ValidationProblem, ProblemHttpResult>> Replay(Guid id, ReplayRequest request, CatalogStore store,
        DeliveryReports reports, TimeProvider clock, CancellationToken cancellationToken)
    {
        if ((await store.GetAsync(cancellationToken)).Find(id) is null)
        {
            return Problems.DestinationNotFound(id);
        }
        if ((request.Ids is null) == (request.All != true) || request.Ids is { Length: 0 or > 10_000 })
        {
            return Problems.Invalid("$", "Name the dead letters to replay ({\"ids\": [1, 2]}, at most 10,000) or replay them all ({\"all\": true}).");
        }
        return TypedResults.Ok(new ReplayResponse(await reports.ReplayAsync(id, request.Ids, clock.GetUtcNow(), cancellationToken)));
    }
}

internal sealed record StatsResponse(QueueState Queue, HourCounts Totals, IReadOnlyList<HourCounts> Hours);

internal sealed record ReplayRequest(long[]? Ids, bool? All);

internal sealed record ReplayResponse(int Replayed);

internal sealed record DeadLetterResponse(long Id, string MessageId, Guid? MappingId, string Status, string Reason, int Attempts, int? LastStatusCode,
    string? LastError, DateTimeOffset EnqueuedAt, DateTimeOffset? FinishedAt, JsonElement? Event)
{
    public static DeadLetterResponse From(DeadLetter letter) => new(letter.Id, letter.MessageId, letter.MappingId, letter.Status, letter.Reason, letter.Attempts,
        letter.LastStatusCode, letter.LastError, letter.EnqueuedAt, letter.FinishedAt, letter.Payload is null ? null : JsonDocument.Parse(letter.Payload).RootElement);
}
