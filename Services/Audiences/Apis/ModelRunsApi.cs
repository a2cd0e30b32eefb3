using Alle.Platform.Authorization;
using System.Text.Json;
using Alle.Audiences.ReverseEtl;
using Alle.Platform.Authentication;
using Alle.Platform.Workers;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Alle.Audiences.Apis;

/// <summary>Runs of a reverse ETL model (run now, history with counts and duration) and its current synced rows.</summary>
internal static class ModelRunsApi
{
    public static void MapModelRunsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/audiences/models").RequirePermission(Permissions.ModelsWrite);
        api.MapPost("/{model}/runs", RunNow).WithSummary("Run a reverse-ETL model now");
        api.MapGet("/{model}/runs", Runs).WithSummary("A model's runs");
        api.MapGet("/{model}/runs/{runId:guid}", Run).WithSummary("One run of a model, with its counts and errors");
        api.MapGet("/{model}/rows", Rows).WithSummary("The rows a model's last run produced");
    }

    private static async Task<Results<Accepted<RunResponse>, ProblemHttpResult>> RunNow(string model, ModelStore store,
        WorkSignal<ReverseEtlWorker> runs, TimeProvider clock, CancellationToken cancellationToken)
    {
        switch (await store.QueueRunAsync(model, clock.GetUtcNow(), cancellationToken))
        {
            case null:
                return ModelsApi.NotFound(model);
            case { AlreadyPending: true, Run: var pending }:
                return AudiencesApi.Problem(409, "A run is pending", $"Run {pending.Id} of this model is {pending.Status}; wait for it to finish.");
            case var queued:
                runs.Notify();
                return TypedResults.Accepted($"/api/audiences/models/{queued.Model.Id}/runs/{queued.Run.Id}", queued.Run);
        }
    }

    private static async Task<Results<Ok<RunList>, ProblemHttpResult>> Runs(string model, ModelStore store, CancellationToken cancellationToken,
        int limit = 50)
    {
        if (await store.FindAsync(model, cancellationToken) is not { } existing)
        {
            return ModelsApi.NotFound(model);
        }
        return TypedResults.Ok(new RunList(await store.RunsAsync(existing.Id, Math.Clamp(limit, 1, 500), cancellationToken)));
    }

    private static async Task<Results<Ok<RunResponse>, ProblemHttpResult>> Run(string model, Guid runId, ModelStore store,
        CancellationToken cancellationToken)
    {
        if (await store.FindAsync(model, cancellationToken) is not { } existing)
        {
            return ModelsApi.NotFound(model);
        }
        return await store.RunAsync(existing.Id, runId, cancellationToken) is { } run
            ? TypedResults.Ok(run)
            : AudiencesApi.Problem(404, "Run not found", $"Model {existing.Key} has no run {runId}.");
    }

    /// <summary>The model's current synced result, paged by identifier.</summary>
    private static async Task<Results<Ok<ModelRowsPage>, ProblemHttpResult>> Rows(string model, ModelStore store,
        CancellationToken cancellationToken, int limit = 100, string? after = null)
    {
        if (await store.FindAsync(model, cancellationToken) is not { } existing)
        {
            return ModelsApi.NotFound(model);
        }
        limit = Math.Clamp(limit, 1, 500);
        var rows = await store.RowsAsync(existing.Id, after ?? "", limit, cancellationToken);
        var page = rows.Take(limit).ToList();
        return TypedResults.Ok(new ModelRowsPage(page, rows.Count > limit ? page[^1].Identifier : null));
    }
}

internal sealed record RunResponse(
    Guid Id,
    Guid ModelId,
    string Trigger,
    string Status,
    DateTimeOffset QueuedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    int? Rows,
    int? Added,
    int? Updated,
    int? Removed,
    int? Failed,
    long? DurationMs,
    string? Error,
    IReadOnlyList<string> Problems);

internal sealed record RunList(IReadOnlyList<RunResponse> Data);

internal sealed record ModelRow(string Identifier, JsonElement Values, DateTimeOffset SyncedAt);

internal sealed record ModelRowsPage(IReadOnlyList<ModelRow> Data, string? Next);
