using Alle.Platform.Authorization;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Alle.Ingestion.LiveStream;
using Alle.Ingestion.Sources;
using Alle.Platform.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Alle.Ingestion.Apis;

/// <summary>The debugger: a source's calls as they arrive, as server-sent events (<c>accepted</c>, <c>rejected</c>, <c>flagged</c>, <c>blocked</c>).</summary>
internal static class LiveStreamApi
{
    public static IEndpointRouteBuilder MapLiveStreamApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/ingestion/sources/{id}/stream", StreamAsync).WithSummary("A source's live event stream (server-sent events)")
            .WithTags("Sources")
            .RequirePermission(Permissions.SourcesWrite, read: Permissions.PersonalDataRead);
        return app;
    }

    private static async Task<Results<ServerSentEventsResult<LiveEvent>, ProblemHttpResult>> StreamAsync(
        string id, SourceStore sources, LiveEventStream stream, TimeProvider clock, HttpContext context, CancellationToken cancellationToken)
    {
        if (await sources.FindAsync(id, cancellationToken) is null)
        {
            return SourcesApi.NotFound(id);
        }
        // Proxies must not buffer the stream.
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers["X-Accel-Buffering"] = "no";
        return TypedResults.ServerSentEvents(Items(stream, id, clock, cancellationToken));
    }

    private static async IAsyncEnumerable<SseItem<LiveEvent>> Items(LiveEventStream stream, string sourceId, TimeProvider clock,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var subscription = stream.Subscribe(sourceId);
        // A first event sends the response headers at once, so a client knows it is listening before anything arrives.
        yield return new SseItem<LiveEvent>(new LiveEvent("connected", null, null, null, null, clock.GetUtcNow(), null), "connected");
        await foreach (var liveEvent in subscription.Events.ReadAllAsync(cancellationToken))
        {
            yield return new SseItem<LiveEvent>(liveEvent, liveEvent.Status);
        }
    }
}
