using System.Text.Json;
using Alle.Audiences.ReverseEtl;
using Alle.Platform.Authentication;
using Alle.Platform.Sql;
using Alle.Platform.Workers;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Alle.Audiences.Apis;

/// <summary>Runs of a reverse ETL model (run now, history with counts and duration) and its current synced rows.</summary>
internal static class ModelRunsApi
{
    public static void MapModelRunsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/audiences/models").RequireAuthorization(AdminKeyAuthentication.Policy);
        api.MapPost("/{model}/runs", RunNow).WithSummary("Run a reverse-ETL model now");
        api.MapGet("/{model}/runs", Runs).WithSummary("A model's runs");
        api.MapGet("/{model}/runs/{runId:guid}", Run).WithSummary("One run of a model, with its counts and errors");
        api.MapGet("/{model}/rows", Rows).WithSummary("The rows a model's last run produced");
    }

    private static async Task<Results<Accepted<RunResponse>, ProblemHttpResult>> RunNow(string model, NpgsqlDataSource dataSource,
        WorkSignal<ReverseEtlWorker> runs, TimeProvider clock, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (await ModelDefinitionRow.FindAsync(connection, model, cancellationToken, forUpdate: true) is not { } existing)
        {
            return ModelsApi.NotFound(model);
        }
        var pending = await connection.ListAsync($"{SelectRun} WHERE model_id = $1 AND status IN ('queued', 'running') ORDER BY queued_at LIMIT 1",
            ReadRun, cancellationToken, existing.Id);
        if (pending.Count > 0)
        {
            return AudiencesApi.Problem(409, "A run is pending", $"Run {pending[0].Id} of this model is {pending[0].Status}; wait for it to finish.");
        }
        var runId = Guid.CreateVersion7();
        await connection.ExecuteAsync("INSERT INTO etl_runs (id, model_id, trigger, status, queued_at) VALUES ($1, $2, 'manual', 'queued', $3)",
            cancellationToken, runId, existing.Id, clock.GetUtcNow());
        var run = (await connection.ListAsync($"{SelectRun} WHERE id = $1", ReadRun, cancellationToken, runId))[0];
        await transaction.CommitAsync(cancellationToken);
        runs.Notify();
        return TypedResults.Accepted($"/api/audiences/models/{existing.Id}/runs/{runId}", run);
    }

    private static async Task<Results<Ok<RunList>, ProblemHttpResult>> Runs(string model, NpgsqlDataSource dataSource, CancellationToken cancellationToken,
        int limit = 50)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (await ModelDefinitionRow.FindAsync(connection, model, cancellationToken) is not { } existing)
        {
            return ModelsApi.NotFound(model);
        }
        return TypedResults.Ok(new RunList(await connection.ListAsync($"{SelectRun} WHERE model_id = $1 ORDER BY queued_at DESC LIMIT $2",
            ReadRun, cancellationToken, existing.Id, Math.Clamp(limit, 1, 500))));
    }

    private static async Task<Results<Ok<RunResponse>, ProblemHttpResult>> Run(string model, Guid runId, NpgsqlDataSource dataSource,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (await ModelDefinitionRow.FindAsync(connection, model, cancellationToken) is not { } existing)
        {
            return ModelsApi.NotFound(model);
        }
        var run = await connection.ListAsync($"{SelectRun} WHERE id = $1 AND model_id = $2", ReadRun, cancellationToken, runId, existing.Id);
        return run.Count == 1 ? TypedResults.Ok(run[0]) : AudiencesApi.Problem(404, "Run not found", $"Model {existing.Key} has no run {runId}.");
    }

    /// <summary>The model's current synced result, paged by identifier.</summary>
    private static async Task<Results<Ok<ModelRowsPage>, ProblemHttpResult>> Rows(string model, NpgsqlDataSource dataSource,
        CancellationToken cancellationToken, int limit = 100, string? after = null)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (await ModelDefinitionRow.FindAsync(connection, model, cancellationToken) is not { } existing)
        {
            return ModelsApi.NotFound(model);
        }
        limit = Math.Clamp(limit, 1, 500);
        var rows = await connection.ListAsync("""
            SELECT identifier, values::text, synced_at FROM etl_model_rows WHERE model_id = $1 AND identifier > $2 ORDER BY identifier LIMIT $3
            """, reader => new ModelRow(reader.GetString(0), reader.Json(1), reader.Instant(2)), cancellationToken, existing.Id, after ?? "", limit + 1);
        var page = rows.Take(limit).ToList();
        return TypedResults.Ok(new ModelRowsPage(page, rows.Count > limit ? page[^1].Identifier : null));
    }

    public const string SelectRun = """
        SELECT id, model_id, trigger, status, queued_at, started_at, finished_at, rows_read, added, updated, removed, failed, duration_ms, error,
               COALESCE(problems::text, '[]')
        FROM etl_runs
        """;

    public static RunResponse ReadRun(NpgsqlDataReader reader) => new(
        reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3), reader.Instant(4), reader.NullableInstant(5),
        reader.NullableInstant(6), Count(reader, 7), Count(reader, 8), Count(reader, 9), Count(reader, 10), Count(reader, 11),
        reader.IsDBNull(12) ? null : reader.GetInt64(12), reader.NullableString(13), JsonSerializer.Deserialize<string[]>(reader.GetString(14))!);

    private static int? Count(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt32(ordinal);
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
