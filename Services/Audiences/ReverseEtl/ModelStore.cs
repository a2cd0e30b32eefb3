using System.Text.Json;
using Alle.Audiences.Apis;
using Alle.Audiences.Conditions;
using Alle.Audiences.Definitions;
using Alle.Platform.Sql;
using Npgsql;

namespace Alle.Audiences.ReverseEtl;

/// <summary>A run asked for: the one queued now, or the one still pending that keeps another from being queued.</summary>
internal sealed record RunRequest(ModelDefinitionRow Model, RunResponse Run, bool AlreadyPending);

/// <summary>Reverse ETL models as stored, their runs and their current synced rows.</summary>
internal sealed class ModelStore(NpgsqlDataSource dataSource)
{
    private const string SelectRun = """
        SELECT id, model_id, trigger, status, queued_at, started_at, finished_at, rows_read, added, updated, removed, failed, duration_ms, error,
               COALESCE(problems::text, '[]')
        FROM etl_runs
        """;

    public Task<DefinitionEdit> BeginEditAsync(CancellationToken cancellationToken) => DefinitionEdit.BeginAsync(dataSource, cancellationToken);

    public async Task<List<ModelResponse>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var models = await connection.ListAsync($"{ModelDefinitionRow.Select} ORDER BY key", ModelDefinitionRow.Read, cancellationToken);
        var responses = new List<ModelResponse>();
        foreach (var model in models)
        {
            responses.Add(await RespondAsync(connection, model, cancellationToken));
        }
        return responses;
    }

    /// <summary>Finds a model by id or by key.</summary>
    public async Task<ModelDefinitionRow?> FindAsync(string model, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await ModelDefinitionRow.FindAsync(connection, model, cancellationToken);
    }

    /// <summary>Finds a model by id or by key, with its row count and latest run.</summary>
    public async Task<ModelResponse?> GetAsync(string model, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await ModelDefinitionRow.FindAsync(connection, model, cancellationToken) is { } found
            ? await RespondAsync(connection, found, cancellationToken)
            : null;
    }

    /// <summary>Finds a model and locks it until the edit ends.</summary>
    public Task<ModelDefinitionRow?> FindForUpdateAsync(DefinitionEdit edit, string model, CancellationToken cancellationToken) =>
        ModelDefinitionRow.FindAsync(edit.Connection, model, cancellationToken, forUpdate: true);

    /// <summary>Saves a new model (and the custom audience it feeds, if any) and queues its first run.</summary>
    public async Task<ModelResponse> CreateAsync(DefinitionEdit edit, ModelRequest request, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var connection = edit.Connection;
        var id = Guid.CreateVersion7();
        await connection.ExecuteAsync("""
            INSERT INTO etl_models (id, key, name, description, query, identifier_column, identifier_type, trait_columns, schedule, timeout_seconds,
                                    enabled, next_run_at, created_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)
            """, cancellationToken, id, request.Key, request.Name!.Trim(), Sql.Text(request.Description), request.Query,
            request.IdentifierColumn, request.IdentifierType, Sql.Jsonb(JsonSerializer.Serialize(request.TraitColumns ?? [])),
            Sql.Text(request.Schedule), request.TimeoutSeconds ?? ModelValidator.DefaultTimeoutSeconds, request.Enabled ?? true,
            (request.Enabled ?? true) ? ModelSchedule.Next(request.Schedule, now) : null, now);
        if (request.Audience is { } feeds)
        {
            // A custom audience: its members are the people in the model's latest result.
            await connection.ExecuteAsync("""
                INSERT INTO audiences (id, key, name, description, condition, compute_requested_at, created_at, updated_at)
                VALUES ($1, $2, $3, $4, $5, $6, $6, $6)
                """, cancellationToken, Guid.CreateVersion7(), feeds.Key, feeds.Name!.Trim(), $"The people in the latest result of model {request.Key}.",
                Sql.Jsonb(JsonSerializer.Serialize(new { model = request.Key })), now);
        }
        await connection.ExecuteAsync("INSERT INTO etl_runs (id, model_id, trigger, status, queued_at) VALUES ($1, $2, 'manual', 'queued', $3)",
            cancellationToken, Guid.CreateVersion7(), id, now);
        await edit.CatalogChangedAsync(cancellationToken);
        var created = (await ModelDefinitionRow.FindAsync(connection, id.ToString(), cancellationToken))!;
        return await RespondAsync(connection, created, cancellationToken);
    }

    /// <summary>Saves a model's new query, mapping and schedule; its key and identifier type stay.</summary>
    public async Task<ModelResponse> UpdateAsync(DefinitionEdit edit, Guid id, ModelRequest request, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var connection = edit.Connection;
        await connection.ExecuteAsync("""
            UPDATE etl_models SET name = $2, description = $3, query = $4, identifier_column = $5, trait_columns = $6, schedule = $7,
                   timeout_seconds = $8, enabled = $9, next_run_at = $10, updated_at = $11
            WHERE id = $1
            """, cancellationToken, id, request.Name!.Trim(), Sql.Text(request.Description), request.Query,
            request.IdentifierColumn, Sql.Jsonb(JsonSerializer.Serialize(request.TraitColumns ?? [])),
            Sql.Text(request.Schedule), request.TimeoutSeconds ?? ModelValidator.DefaultTimeoutSeconds, request.Enabled ?? true,
            (request.Enabled ?? true) ? ModelSchedule.Next(request.Schedule, now) : null, now);
        var updated = (await ModelDefinitionRow.FindAsync(connection, id.ToString(), cancellationToken))!;
        return await RespondAsync(connection, updated, cancellationToken);
    }

    public async Task DeleteAsync(DefinitionEdit edit, Guid id, CancellationToken cancellationToken)
    {
        await edit.Connection.ExecuteAsync("DELETE FROM etl_models WHERE id = $1", cancellationToken, id);
        await edit.CatalogChangedAsync(cancellationToken);
    }

    /// <summary>Queues a manual run unless one is queued or running; null when there is no such model.</summary>
    public async Task<RunRequest?> QueueRunAsync(string model, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (await ModelDefinitionRow.FindAsync(connection, model, cancellationToken, forUpdate: true) is not { } existing)
        {
            return null;
        }
        var pending = await connection.ListAsync($"{SelectRun} WHERE model_id = $1 AND status IN ('queued', 'running') ORDER BY queued_at LIMIT 1",
            ReadRun, cancellationToken, existing.Id);
        if (pending.Count > 0)
        {
            return new RunRequest(existing, pending[0], AlreadyPending: true);
        }
        var runId = Guid.CreateVersion7();
        await connection.ExecuteAsync("INSERT INTO etl_runs (id, model_id, trigger, status, queued_at) VALUES ($1, $2, 'manual', 'queued', $3)",
            cancellationToken, runId, existing.Id, now);
        var run = (await connection.ListAsync($"{SelectRun} WHERE id = $1", ReadRun, cancellationToken, runId))[0];
        await transaction.CommitAsync(cancellationToken);
        return new RunRequest(existing, run, AlreadyPending: false);
    }

    /// <summary>The model's latest runs, newest first.</summary>
    public async Task<List<RunResponse>> RunsAsync(Guid modelId, int limit, CancellationToken cancellationToken) =>
        await dataSource.ListAsync($"{SelectRun} WHERE model_id = $1 ORDER BY queued_at DESC LIMIT $2", ReadRun, cancellationToken, modelId, limit);

    public async Task<RunResponse?> RunAsync(Guid modelId, Guid runId, CancellationToken cancellationToken)
    {
        var run = await dataSource.ListAsync($"{SelectRun} WHERE id = $1 AND model_id = $2", ReadRun, cancellationToken, runId, modelId);
        return run.Count == 1 ? run[0] : null;
    }

    /// <summary>Synced rows in identifier order after <paramref name="after"/>: one more than <paramref name="limit"/> when more follow.</summary>
    public async Task<List<ModelRow>> RowsAsync(Guid modelId, string after, int limit, CancellationToken cancellationToken) =>
        await dataSource.ListAsync("""
            SELECT identifier, values::text, synced_at FROM etl_model_rows WHERE model_id = $1 AND identifier > $2 ORDER BY identifier LIMIT $3
            """, reader => new ModelRow(reader.GetString(0), reader.Json(1), reader.Instant(2)), cancellationToken, modelId, after, limit + 1);

    private static async Task<ModelResponse> RespondAsync(NpgsqlConnection connection, ModelDefinitionRow model, CancellationToken cancellationToken)
    {
        var lastRun = await connection.ListAsync($"{SelectRun} WHERE model_id = $1 ORDER BY queued_at DESC LIMIT 1", ReadRun, cancellationToken, model.Id);
        var rows = await connection.ScalarAsync<long>("SELECT count(*) FROM etl_model_rows WHERE model_id = $1", cancellationToken, model.Id);
        return new ModelResponse(model.Id, model.Key, model.Name, model.Description, model.Query, model.Mapping.IdentifierColumn,
            ProfileIdentifiers.NameOf(model.Mapping.IdentifierType), model.Mapping.TraitColumns, model.Schedule, model.TimeoutSeconds, model.Enabled,
            model.NextRunAt, rows, lastRun.Count == 1 ? lastRun[0] : null, model.CreatedAt, model.UpdatedAt);
    }

    private static RunResponse ReadRun(NpgsqlDataReader reader) => new(
        reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3), reader.Instant(4), reader.NullableInstant(5),
        reader.NullableInstant(6), reader.NullableInt32(7), reader.NullableInt32(8), reader.NullableInt32(9), reader.NullableInt32(10),
        reader.NullableInt32(11), reader.IsDBNull(12) ? null : reader.GetInt64(12), reader.NullableString(13),
        JsonSerializer.Deserialize<string[]>(reader.GetString(14))!);
}
