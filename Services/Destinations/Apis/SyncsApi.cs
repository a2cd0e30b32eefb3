using Alle.Platform.Authorization;
using Alle.Destinations.Configuration;
using Alle.Destinations.Integrations;
using Alle.Destinations.Validation;
using Alle.Platform.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Alle.Destinations.Apis;

/// <summary>
/// Engage syncs: an audience or a computed trait connected to a destination. Connecting one starts a backfill of its
/// current members (paged, resumable); afterwards every change is sent as it happens.
/// </summary>
internal static class SyncsApi
{
    public static void MapSyncsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/destinations/{id:guid}/syncs").RequirePermission(Permissions.DestinationsWrite);
        api.MapGet("/", List).WithSummary("A destination's audience and trait syncs");
        api.MapPost("/", Add).WithSummary("Sync an audience or computed trait to a destination (starts a backfill)");
        api.MapDelete("/{syncId:guid}", Delete).WithSummary("Stop a sync");
        api.MapPost("/{syncId:guid}/backfill", RestartBackfill).WithSummary("Restart a sync's backfill");
    }

    private static async Task<Results<Ok<DataList<SyncResponse>>, ProblemHttpResult>> List(Guid id, CatalogStore store, CancellationToken cancellationToken)
    {
        if ((await store.GetAsync(cancellationToken)).Find(id) is null)
        {
            return Problems.DestinationNotFound(id);
        }
        var syncs = await store.SyncsOfAsync(id, cancellationToken);
        return TypedResults.Ok(new DataList<SyncResponse>([.. syncs.Select(SyncResponse.From)]));
    }

    private static async Task<Results<Created<SyncResponse>, ValidationProblem, ProblemHttpResult>> Add(Guid id, SyncRequest request, CatalogStore store,
        AudiencesClient audiences, TimeProvider clock, CancellationToken cancellationToken)
    {
        if ((await store.GetAsync(cancellationToken)).Find(id) is null)
        {
            return Problems.DestinationNotFound(id);
        }
        var errors = new ValidationErrors();
        errors.Require(request.Audience is null ^ request.ComputedTrait is null, "$", "Name either an audience or a computed trait to sync.");
        var kind = request.Audience is not null ? SyncKinds.Audience : SyncKinds.ComputedTrait;
        var identify = request.Identify ?? true;
        var track = request.Track ?? kind == SyncKinds.Audience;
        errors.Require(identify || track, "$", "Send identify calls, track calls, or both.");
        errors.Require(kind == SyncKinds.Audience || !track, "$.track", "A computed trait is synced with identify calls only.");
        if (!errors.IsEmpty)
        {
            return Problems.Invalid(errors);
        }

        AudienceDefinition? definition;
        try
        {
            definition = kind == SyncKinds.Audience
                ? await audiences.AudienceAsync(request.Audience!, cancellationToken)
                : await audiences.ComputedTraitAsync(request.ComputedTrait!, cancellationToken);
        }
        catch (HttpRequestException exception)
        {
            return TypedResults.Problem(statusCode: 503, title: "Audiences unavailable", detail: $"The audience or trait could not be checked: {exception.Message}");
        }
        if (definition is null)
        {
            return Problems.Invalid(kind == SyncKinds.Audience ? "$.audience" : "$.computedTrait", "No audience or computed trait has this key.");
        }
        if (await store.AddSyncAsync(id, kind, definition.Key, definition.Name, definition.Id, identify, track, clock.GetUtcNow(), cancellationToken) is not { } syncId)
        {
            return Problems.Conflict("sync-exists", "Already synced", $"This destination already syncs {definition.Key}.");
        }
        var sync = (await store.SyncAsync(syncId, cancellationToken))!;
        return TypedResults.Created($"/api/destinations/{id}/syncs/{syncId}", SyncResponse.From(sync));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(Guid id, Guid syncId, CatalogStore store, CancellationToken cancellationToken) =>
        await store.DeleteSyncAsync(id, syncId, cancellationToken) ? TypedResults.NoContent() : Problems.NotFound("Sync", $"Destination {id} has no sync {syncId}.");

    private static async Task<Results<Accepted, ProblemHttpResult>> RestartBackfill(Guid id, Guid syncId, CatalogStore store, CancellationToken cancellationToken) =>
        await store.RestartBackfillAsync(id, syncId, cancellationToken)
            ? TypedResults.Accepted($"/api/destinations/{id}/syncs")
            : Problems.NotFound("Sync", $"Destination {id} has no sync {syncId}.");
}

internal sealed record SyncRequest(string? Audience, string? ComputedTrait, bool? Identify, bool? Track);

internal sealed record BackfillResponse(string Status, int Generation, long Sent, string? Error, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt);

internal sealed record SyncResponse(Guid Id, string Kind, string Key, string Name, Guid DefinitionId, bool SendIdentify, bool SendTrack, BackfillResponse Backfill,
    DateTimeOffset CreatedAt)
{
    public static SyncResponse From(Sync sync) => new(sync.Id, sync.Kind, sync.Key, sync.Name, sync.DefinitionId, sync.SendIdentify, sync.SendTrack,
        new BackfillResponse(sync.BackfillStatus, sync.BackfillGeneration, sync.BackfillSent, sync.BackfillError, sync.BackfillStartedAt, sync.BackfillFinishedAt),
        sync.CreatedAt);
}
