using Alle.Platform.Authorization;
using Alle.Ingestion.Sources;
using Alle.Ingestion.Storage;
using Alle.Platform.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Alle.Ingestion.Apis;

/// <summary>
/// Operators manage sources: create (the write key is shown once), list, rename, enable or disable, set a rate limit,
/// rotate the write key, and see how much a source sends and what it sent that was not forwarded.
/// </summary>
internal static class SourcesApi
{
    public static IEndpointRouteBuilder MapSourcesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/ingestion/sources").WithTags("Sources").RequirePermission(Permissions.SourcesWrite);
        api.MapGet("/", ListAsync).WithSummary("List sources");
        api.MapPost("/", CreateAsync).WithSummary("Create a source and its write key");
        api.MapGet("/{id}", GetAsync).WithSummary("One source with its event counts");
        api.MapPatch("/{id}", UpdateAsync).WithSummary("Rename, enable or disable a source");
        api.MapPost("/{id}/rotate-key", RotateKeyAsync).WithSummary("Rotate a source's write key (the old key stops working)");
        api.MapGet("/{id}/volume", GetVolumeAsync).WithSummary("Events a source sent per hour (last 24 hours by default) and the last event seen");
        api.MapGet("/{id}/rejected", GetRejectedAsync).WithSummary("Events a source sent that were refused, with the reason");
        return app;
    }

    private static async Task<Ok<IReadOnlyList<Source>>> ListAsync(SourceStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok(await store.ListAsync(cancellationToken));

    private static async Task<Results<Ok<Source>, ProblemHttpResult>> GetAsync(string id, SourceStore store, CancellationToken cancellationToken) =>
        await store.FindAsync(id, cancellationToken) is { } source ? TypedResults.Ok(source) : NotFound(id);

    private static async Task<Results<Created<SourceWithKey>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        CreateSourceRequest request, SourceStore store, CancellationToken cancellationToken)
    {
        var id = request.Id ?? SourceSlug.FromName(request.Name ?? "");
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 200)
        {
            errors["name"] = ["A name of 1 to 200 characters is required."];
        }
        if (!SourceSlug.IsValid(id))
        {
            errors["id"] = ["An id is 2 to 63 lower-case letters, digits or dashes, starting with a letter."];
        }
        if (request.RateLimitPerSecond is < 1)
        {
            errors["rateLimitPerSecond"] = ["A rate limit is at least 1 event per second."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var writeKey = WriteKey.Generate();
        var source = await store.CreateAsync(id, request.Name!.Trim(), request.RateLimitPerSecond, writeKey, cancellationToken);
        return source is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Source exists", detail: $"A source with id '{id}' exists already.")
            : TypedResults.Created($"/api/ingestion/sources/{source.Id}", new SourceWithKey(source, writeKey));
    }

    private static async Task<Results<Ok<Source>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        string id, UpdateSourceRequest request, SourceStore store, SourceDirectory directory, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (request.Name is not null && (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 200))
        {
            errors["name"] = ["A name is 1 to 200 characters."];
        }
        if (request.RateLimitPerSecond is < 0)
        {
            errors["rateLimitPerSecond"] = ["A rate limit is at least 1 event per second (0 restores the default)."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var source = await store.UpdateAsync(id, request.Name?.Trim(), request.Enabled, request.RateLimitPerSecond, cancellationToken);
        directory.Invalidate();
        return source is null ? NotFound(id) : TypedResults.Ok(source);
    }

    private static async Task<Results<Ok<SourceWithKey>, ProblemHttpResult>> RotateKeyAsync(
        string id, SourceStore store, SourceDirectory directory, CancellationToken cancellationToken)
    {
        var writeKey = WriteKey.Generate();
        var source = await store.RotateKeyAsync(id, writeKey, cancellationToken);
        directory.Invalidate();
        return source is null ? NotFound(id) : TypedResults.Ok(new SourceWithKey(source, writeKey));
    }

    private static async Task<Results<Ok<SourceVolume>, ValidationProblem, ProblemHttpResult>> GetVolumeAsync(
        string id, int? hours, SourceStore store, SourceVolumeStore volumes, CancellationToken cancellationToken)
    {
        if (hours is < 1 or > 168)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["hours"] = ["Ask for 1 to 168 hours."] });
        }
        if (await store.FindAsync(id, cancellationToken) is null)
        {
            return NotFound(id);
        }
        return TypedResults.Ok(await volumes.ReadAsync(id, hours ?? 24, cancellationToken));
    }

    private static async Task<Results<Ok<RejectionReport>, ProblemHttpResult>> GetRejectedAsync(
        string id, string? reason, int? limit, SourceStore store, RejectedEvents rejected, CancellationToken cancellationToken)
    {
        if (await store.FindAsync(id, cancellationToken) is null)
        {
            return NotFound(id);
        }
        return TypedResults.Ok(await rejected.ReportAsync(id, reason, Math.Clamp(limit ?? 50, 1, 500), cancellationToken));
    }

    internal static ProblemHttpResult NotFound(string id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown source", detail: $"There is no source '{id}'.");
}

internal sealed record CreateSourceRequest(string? Name, string? Id, int? RateLimitPerSecond);

/// <summary>Changes to a source; members left out stay as they are. A rate limit of 0 restores the default.</summary>
internal sealed record UpdateSourceRequest(string? Name, bool? Enabled, int? RateLimitPerSecond);

/// <summary>A source with its write key, answered only when the key is created or rotated (it is not stored).</summary>
internal sealed record SourceWithKey(Source Source, string WriteKey);
