using System.Globalization;
using Alle.Ingestion.Tracking;
using Alle.Platform.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Alle.Platform.OpenApi;

namespace Alle.Ingestion.Apis;

/// <summary>
/// Segment's HTTP Tracking API, so Segment's own client libraries can send here unchanged: single calls (also at the
/// one-letter paths analytics.js posts to, <c>/v1/t</c>, <c>/v1/i</c>, …), batches (<c>/v1/batch</c>, <c>/v1/import</c>,
/// and <c>/v1/b</c> where Analytics-CSharp and analytics.js's batching post), and the settings document the mobile and
/// C# libraries fetch at start. Status codes follow Segment's, because the libraries decide retries from them.
/// </summary>
internal static class TrackingApi
{
    public static IEndpointRouteBuilder MapTrackingApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1").WithTags("Tracking API");
        var calls = api.MapGroup("").RequiresCredential(ApiCredentials.WriteKey);
        foreach (var type in MessageNormalizer.CallTypes)
        {
            foreach (var path in new[] { $"/{type}", $"/{type[0]}" })
            {
                calls.MapPost(path, (HttpContext context, TrackingIntake intake, CancellationToken cancellationToken) =>
                    AcceptAsync(context, intake, type, cancellationToken))
                    .Accepts<SegmentCall>("application/json", "text/plain")
                    .WithSummary($"A Segment {type} call")
                    .WithDescription($"Segment's HTTP Tracking API spec for `{type}` (https://segment.com/docs/connections/spec/{type}/).");
            }
        }
        foreach (var path in new[] { "/batch", "/import", "/b" })
        {
            calls.MapPost(path, (HttpContext context, TrackingIntake intake, CancellationToken cancellationToken) =>
                AcceptAsync(context, intake, impliedType: null, cancellationToken))
                .Accepts<SegmentBatch>("application/json", "text/plain")
                .WithSummary("A batch of Segment calls")
                .WithDescription("Segment's HTTP Tracking API batch (https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/#batch): up to 500 KB and 2,500 calls of any type.");
        }
        api.MapGet("/projects/{writeKey}/settings", GetSettingsAsync).WithSummary("The settings document Segment's mobile and C# libraries fetch at start");
        return app;
    }

    private static async Task<Results<Ok<TrackingResponse>, ProblemHttpResult>> AcceptAsync(
        HttpContext context, TrackingIntake intake, string? impliedType, CancellationToken cancellationToken)
    {
        try
        {
            return await AcceptOrRefuseAsync(context, intake, impliedType, cancellationToken);
        }
        catch (Exception exception) when (exception is NpgsqlException or TimeoutException)
        {
            // PostgreSQL is unreachable (e.g. looking up a write key not in the cache): nothing was stored, retry later.
            return Refused(context, intake.Unavailable(exception));
        }
    }

    private static async Task<Results<Ok<TrackingResponse>, ProblemHttpResult>> AcceptOrRefuseAsync(
        HttpContext context, TrackingIntake intake, string? impliedType, CancellationToken cancellationToken)
    {
        var headerKey = AdminKeyAuthentication.ReadPresentedKey(context.Request.Headers.Authorization);
        var source = headerKey is null ? null : await intake.AuthenticateAsync(headerKey, cancellationToken);
        if (headerKey is not null && source is null)
        {
            return UnknownWriteKey();
        }
        if (intake.RefuseWhenOverloaded() is { } refusal)
        {
            return Refused(context, refusal);
        }

        var isBatch = impliedType is null;
        var limit = isBatch ? TrackingLimits.MaxBatchBytes : TrackingLimits.MaxMessageBytes;
        ReadOnlyMemory<byte>? body;
        try
        {
            body = await TrackingRequestBody.ReadAsync(context.Request, limit, cancellationToken);
        }
        catch (InvalidDataException)
        {
            return Problem(StatusCodes.Status400BadRequest, "Malformed body", "The body is marked gzip-compressed but is not valid gzip.");
        }
        catch (BadHttpRequestException exception)
        {
            return Problem(exception.StatusCode, "Unreadable body", "The request body could not be read completely.");
        }
        if (body is null)
        {
            return isBatch
                ? Problem(StatusCodes.Status400BadRequest, "Batch too large", $"A batch may be at most 500 KB ({TrackingLimits.MaxBatchBytes} bytes).", "500 KB per batch")
                : Problem(StatusCodes.Status400BadRequest, "Event too large", $"An event may be at most 32 KB ({TrackingLimits.MaxMessageBytes} bytes).", "32 KB per event");
        }

        TrackingRequest request;
        try
        {
            request = TrackingRequest.Parse(body.Value, isBatch);
        }
        catch (TrackingRequestException exception)
        {
            return Problem(StatusCodes.Status400BadRequest, exception.Title, exception.Message, exception.Limit);
        }

        source ??= await intake.AuthenticateAsync(request.WriteKey, cancellationToken);
        if (source is null)
        {
            return UnknownWriteKey();
        }

        var result = await intake.AcceptAsync(source, request, impliedType, context.Connection.RemoteIpAddress?.ToString(), cancellationToken);
        return result.Status == IntakeStatus.Accepted ? TypedResults.Ok(TrackingResponse.Accepted) : Refused(context, result);
    }

    private static async Task<Results<Ok<SettingsDocument>, ProblemHttpResult>> GetSettingsAsync(
        string writeKey, HttpContext context, TrackingIntake intake, CancellationToken cancellationToken)
    {
        try
        {
            if (await intake.AuthenticateAsync(writeKey, cancellationToken) is null)
            {
                return Problem(StatusCodes.Status404NotFound, "Unknown write key", "No enabled source has this write key.");
            }
        }
        catch (Exception exception) when (exception is NpgsqlException or TimeoutException)
        {
            return Refused(context, intake.Unavailable(exception));
        }
        // The libraries prepend https:// themselves, so the host is given without scheme, as Segment's CDN does.
        var apiHost = $"{context.Request.Host}{context.Request.PathBase}/v1";
        return TypedResults.Ok(SettingsDocument.For(writeKey, apiHost));
    }

    private static ProblemHttpResult UnknownWriteKey() => Problem(StatusCodes.Status401Unauthorized, "Unknown write key",
        "Send an enabled source's write key as the HTTP Basic user name (empty password) or as 'writeKey' in the body.");

    private static ProblemHttpResult Refused(HttpContext context, IntakeResult result)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(result.RetryAfter.TotalSeconds));
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return result.Status == IntakeStatus.RateLimited
            ? Problem(StatusCodes.Status429TooManyRequests, "Rate limit exceeded", $"This source sends more events per second than it may; retry after {seconds} s.")
            : Problem(StatusCodes.Status503ServiceUnavailable, "Temporarily unavailable", $"Events cannot be stored or delivered right now; nothing was stored. Retry after {seconds} s.");
    }

    private static ProblemHttpResult Problem(int status, string title, string detail, string? limit = null) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail,
            extensions: limit is null ? null : new Dictionary<string, object?> { ["limit"] = limit });
}

/// <summary>Segment's acknowledgement body.</summary>
internal sealed record TrackingResponse(bool Success)
{
    public static readonly TrackingResponse Accepted = new(true);
}

/// <summary>
/// A Segment call as the request body describes it (the intake reads the raw JSON itself, so unknown fields pass through
/// to the warehouse as Segment's do). <c>text/plain</c> is accepted because analytics.js posts with it.
/// </summary>
internal sealed record SegmentCall(
    string? Type, string? MessageId, string? UserId, string? AnonymousId, string? Event, string? Name, string? GroupId, string? PreviousId,
    Dictionary<string, object?>? Properties, Dictionary<string, object?>? Traits, Dictionary<string, object?>? Context,
    Dictionary<string, object?>? Integrations, DateTimeOffset? Timestamp, DateTimeOffset? SentAt, string? WriteKey);

/// <summary>A batch of Segment calls, each with its own <c>type</c>.</summary>
internal sealed record SegmentBatch(IReadOnlyList<SegmentCall> Batch, Dictionary<string, object?>? Context, DateTimeOffset? SentAt, string? WriteKey);
