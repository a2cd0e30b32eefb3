using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alle.Audiences.Batch;
using Alle.Audiences.Conditions;
using Alle.Audiences.Definitions;
using Alle.Audiences.Outbox;
using Alle.Platform.Identifiers;
using Alle.Platform.Outbox;
using Alle.Platform.Sql;
using Alle.Platform.Workers;
using Npgsql;
using NpgsqlTypes;

namespace Alle.Audiences.ReverseEtl;

/// <summary>
/// Runs a model: its query on the warehouse as the read-only role (read-only transaction, statement timeout), then in
/// one audiencesdb transaction the diff against the previous result, the identify calls for what was added, changed or
/// removed (removed rows clear their traits), the new result, and recomputation of the audiences built on the model.
/// A failing query is recorded on the run and changes nothing.
/// </summary>
internal sealed class ModelRunner(
    NpgsqlDataSource dataSource,
    WarehouseAccess warehouse,
    CatalogCache catalogs,
    WorkSignal<OutboxRelay> outbox,
    WorkSignal<ComputationWorker> computations,
    PhoneNumberNormalizer phones,
    TimeProvider clock,
    Microsoft.Extensions.Options.IOptions<ReverseEtlOptions> options,
    ILogger<ModelRunner> logger)
{
    /// <summary>Queues a run for every enabled model whose schedule is due, and moves its next run time on.</summary>
    public async Task EnqueueDueAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var now = clock.GetUtcNow();
        var due = await connection.ListAsync("""
            SELECT id, schedule FROM etl_models WHERE enabled AND next_run_at <= $1 ORDER BY next_run_at FOR UPDATE SKIP LOCKED
            """, reader => (Id: reader.GetGuid(0), Schedule: reader.NullableString(1)), cancellationToken, now);
        foreach (var (id, schedule) in due)
        {
            await connection.ExecuteAsync("""
                INSERT INTO etl_runs (id, model_id, trigger, status, queued_at)
                SELECT $1, $2, 'schedule', 'queued', $3
                WHERE NOT EXISTS (SELECT 1 FROM etl_runs WHERE model_id = $2 AND status IN ('queued', 'running'))
                """, cancellationToken, Guid.CreateVersion7(), id, now);
            await connection.ExecuteAsync("UPDATE etl_models SET next_run_at = $2 WHERE id = $1", cancellationToken, id, ModelSchedule.Next(schedule, now));
        }
        // A run that has been 'running' far longer than any query may take belonged to a process that stopped.
        await connection.ExecuteAsync("""
            UPDATE etl_runs r SET status = 'failed', finished_at = $1, error = 'The run was interrupted (the service stopped while it ran).'
            FROM etl_models m WHERE m.id = r.model_id AND r.status = 'running' AND r.started_at < $1 - make_interval(secs => m.timeout_seconds + 600)
            """, cancellationToken, now);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <returns>True when a queued run was found (and run).</returns>
    public async Task<bool> RunNextAsync(CancellationToken cancellationToken)
    {
        Guid runId;
        ModelDefinitionRow model;
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        {
            var claimed = await connection.ListAsync("""
                UPDATE etl_runs SET status = 'running', started_at = $1
                WHERE id = (SELECT id FROM etl_runs WHERE status = 'queued' ORDER BY queued_at LIMIT 1 FOR UPDATE SKIP LOCKED)
                RETURNING id, model_id
                """, reader => (Run: reader.GetGuid(0), Model: reader.GetGuid(1)), cancellationToken, clock.GetUtcNow());
            if (claimed.Count == 0)
            {
                return false;
            }
            runId = claimed[0].Run;
            model = (await ModelDefinitionRow.FindAsync(connection, claimed[0].Model.ToString(), cancellationToken))!;
        }

        var stopwatch = Stopwatch.StartNew();
        try
        {
            var rows = await QueryAsync(model, cancellationToken);
            await SyncAsync(model, runId, rows, stopwatch, cancellationToken);
        }
        catch (ModelRunException failure)
        {
            await FailAsync(runId, failure.Message, stopwatch, cancellationToken);
            logger.LogWarning("Reverse ETL run {RunId} of model {ModelId} failed: {Reason}", runId, model.Id, failure.Code);
        }
        return true;
    }

    private async Task<List<JsonElement>> QueryAsync(ModelDefinitionRow model, CancellationToken cancellationToken)
    {
        await warehouse.Ready.WaitAsync(cancellationToken);
        await warehouse.RefreshGrantsAsync(cancellationToken);
        var maxRows = options.Value.MaxRows;
        try
        {
            await using var connection = await warehouse.Reader.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await connection.ExecuteAsync($"SET TRANSACTION READ ONLY; {WarehouseAccess.TimeoutSetting(model.TimeoutSeconds)}", cancellationToken);
            var rows = await connection.ListAsync(ModelDefinitionRow.Wrap(model.Query), reader => reader.Json(0), cancellationToken, (long)maxRows + 1);
            if (rows.Count > maxRows)
            {
                throw new ModelRunException("too-many-rows", $"The query returned more than {maxRows} rows.");
            }
            if (rows.Count > 0)
            {
                var columns = rows[0].EnumerateObject().Select(column => column.Name).ToHashSet(StringComparer.Ordinal);
                var missing = model.Mapping.TraitColumns.Keys.Prepend(model.Mapping.IdentifierColumn).Where(column => !columns.Contains(column)).ToList();
                if (missing.Count > 0)
                {
                    throw new ModelRunException("missing-columns", $"The result has no column {string.Join(", ", missing)}.");
                }
            }
            return rows;
        }
        catch (PostgresException exception)
        {
            throw new ModelRunException(exception.SqlState, $"The query failed: {exception.MessageText} (SQLSTATE {exception.SqlState}).");
        }
        catch (NpgsqlException exception)
        {
            throw new ModelRunException("connection", $"The warehouse could not be queried: {exception.Message}");
        }
    }

    private async Task SyncAsync(ModelDefinitionRow model, Guid runId, List<JsonElement> rows, Stopwatch stopwatch, CancellationToken cancellationToken)
    {
        var result = ModelResult.Read(rows, model.Mapping, phones);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (await ModelDefinitionRow.FindAsync(connection, model.Id.ToString(), cancellationToken, forUpdate: true) is null)
        {
            return;
        }
        var now = clock.GetUtcNow();

        var previous = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        await using (var command = connection.Command("SELECT identifier, values::text FROM etl_model_rows WHERE model_id = $1", model.Id))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                previous[reader.GetString(0)] = JsonNode.Parse(reader.GetString(1))!.AsObject();
            }
        }
        var changes = ModelChanges.Between(previous, result.Rows);

        await connection.ExecuteAsync("CREATE TEMP TABLE model_result (identifier text PRIMARY KEY, values jsonb NOT NULL) ON COMMIT DROP", cancellationToken);
        await using (var importer = await connection.BeginBinaryImportAsync("COPY model_result (identifier, values) FROM STDIN (FORMAT BINARY)", cancellationToken))
        {
            foreach (var (identifier, values) in result.Rows)
            {
                await importer.StartRowAsync(cancellationToken);
                await importer.WriteAsync(identifier, NpgsqlDbType.Text, cancellationToken);
                await importer.WriteAsync(values.ToJsonString(), NpgsqlDbType.Jsonb, cancellationToken);
            }
            await importer.CompleteAsync(cancellationToken);
        }
        await connection.ExecuteAsync("""
            DELETE FROM etl_model_rows r WHERE r.model_id = $1 AND NOT EXISTS (SELECT 1 FROM model_result m WHERE m.identifier = r.identifier)
            """, cancellationToken, model.Id);
        await connection.ExecuteAsync("""
            INSERT INTO etl_model_rows (model_id, identifier, values, synced_at) SELECT $1, identifier, values, $2 FROM model_result
            ON CONFLICT (model_id, identifier) DO UPDATE SET values = EXCLUDED.values, synced_at = EXCLUDED.synced_at
            WHERE etl_model_rows.values IS DISTINCT FROM EXCLUDED.values
            """, cancellationToken, model.Id, now);

        if (model.Mapping.TraitColumns.Count > 0 && !changes.IsEmpty)
        {
            await QueueIdentifiesAsync(connection, model, runId, changes, now, cancellationToken);
        }
        var catalog = await catalogs.GetAsync(connection, cancellationToken);
        var dependents = catalog.Audiences.Where(audience => audience.References.Models.Contains(model.Key)).Select(audience => audience.Id).ToArray();
        if (!changes.IsEmpty && dependents.Length > 0)
        {
            await connection.ExecuteAsync("UPDATE audiences SET compute_requested_at = $2 WHERE id = ANY($1)", cancellationToken, dependents, now);
        }

        await connection.ExecuteAsync("""
            UPDATE etl_runs SET status = 'succeeded', finished_at = $2, rows_read = $3, added = $4, updated = $5, removed = $6, failed = $7,
                   duration_ms = $8, problems = $9
            WHERE id = $1
            """, cancellationToken, runId, now, rows.Count, changes.Added.Count, changes.Updated.Count, changes.Removed.Count, result.Failed,
            stopwatch.ElapsedMilliseconds, Sql.Jsonb(JsonSerializer.Serialize(result.Problems)));
        await transaction.CommitAsync(cancellationToken);
        outbox.Notify();
        computations.Notify();
        logger.LogInformation("Reverse ETL run {RunId} of model {ModelId}: {Rows} rows, {Added} added, {Updated} updated, {Removed} removed, {Failed} failed in {Elapsed} ms.",
            runId, model.Id, rows.Count, changes.Added.Count, changes.Updated.Count, changes.Removed.Count, result.Failed, stopwatch.ElapsedMilliseconds);
    }

    /// <summary>One identify call per changed person, written with binary COPY (a first run may sync many rows).</summary>
    private static async Task QueueIdentifiesAsync(NpgsqlConnection connection, ModelDefinitionRow model, Guid runId, ModelChanges changes, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var calls = changes.Added.Select(added => (added.Identifier, Traits: added.Values))
            .Concat(changes.Updated.Select(updated => (updated.Identifier, Traits: updated.Changed)))
            .Concat(changes.Removed.Select(removed => (removed.Identifier, Traits: ModelChanges.Cleared(removed.Previous))))
            .Select(change => IdentifyCall(model, runId, change.Identifier, change.Traits, now));

        await connection.CopyAsync(calls.Select(call => OutboxEntry.Track(call.ToTrackingCall())), now, cancellationToken);
    }

    /// <summary>
    /// An identify for the person a row names. By user id: as that user. By e-mail or phone: with the identifier as a
    /// trait and a Segment external id, under a stable anonymous id derived from it, so Profiles resolves the person.
    /// </summary>
    public static OutboxCall IdentifyCall(ModelDefinitionRow model, Guid runId, string identifier, JsonObject traits, DateTimeOffset now)
    {
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{ProfileIdentifiers.NameOf(model.Mapping.IdentifierType)}:{identifier}"))).ToLowerInvariant();
        var messageId = $"etl-{runId:N}-{hash[..24]}";
        if (model.Mapping.IdentifierType == IdentifierType.UserId)
        {
            return OutboxCall.Identify(messageId, identifier, null, traits, now);
        }
        var type = ProfileIdentifiers.NameOf(model.Mapping.IdentifierType);
        var withIdentifier = (JsonObject)traits.DeepClone();
        withIdentifier[type] = identifier;
        var context = new JsonObject
        {
            ["externalIds"] = new JsonArray(new JsonObject { ["id"] = identifier, ["type"] = type, ["collection"] = "users", ["encoding"] = "none" }),
        };
        return OutboxCall.Identify(messageId, null, $"etl-{hash[..32]}", withIdentifier, now, context);
    }

    private async Task FailAsync(Guid runId, string error, Stopwatch stopwatch, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync("UPDATE etl_runs SET status = 'failed', finished_at = $2, error = $3, duration_ms = $4 WHERE id = $1",
            cancellationToken, runId, clock.GetUtcNow(), error.Length > 2000 ? error[..2000] : error, stopwatch.ElapsedMilliseconds);
    }

    private sealed class ModelRunException(string code, string message) : Exception(message)
    {
        public string Code { get; } = code;
    }
}
