using Alle.Web.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Alle.Web.Services.Ingestion;

/// <summary>
/// Relays a source's live stream (Ingestion's server-sent events, admin key) to the operator's browser, so the admin key
/// never leaves the server: <c>GET /console/sources/{id}/stream</c>, for signed-in operators only.
/// </summary>
public sealed class LiveStreamRelay(HttpClient http, ILogger<LiveStreamRelay> logger)
{
    public async Task<Results<EmptyHttpResult, NotFound>> RelayAsync(string sourceId, HttpContext context)
    {
        var cancellationToken = context.RequestAborted;
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/ingestion/sources/{ServiceResponses.Escape(sourceId)}/stream");
        request.Headers.Accept.ParseAdd("text/event-stream");
        using var upstream = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (upstream.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return TypedResults.NotFound();
        }
        await upstream.EnsureAcceptedAsync(cancellationToken);

        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers["X-Accel-Buffering"] = "no";
        await context.Response.Body.FlushAsync(cancellationToken);
        try
        {
            await using var body = await upstream.Content.ReadAsStreamAsync(cancellationToken);
            var buffer = new byte[8192];
            int read;
            while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
            {
                await context.Response.Body.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                await context.Response.Body.FlushAsync(cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (IOException exception)
        {
            logger.LogInformation("Live stream of source {SourceId} ended: {Error}", sourceId, exception.GetType().Name);
        }
        return TypedResults.Empty;
    }
}

public static class LiveStreamEndpoints
{
    public static void MapConsoleStream(this IEndpointRouteBuilder app) =>
        app.MapGet("/console/sources/{id}/stream", (string id, HttpContext context, LiveStreamRelay relay) => relay.RelayAsync(id, context))
            .RequireAuthorization(ConsoleAuthentication.Policy)
            .WithSummary("Relay a source's live event stream to the console (server-sent events)").WithTags("Console");
}
