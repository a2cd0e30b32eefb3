using System.Text.Json;
using Alle.Ingestion.Caching;
using Alle.Ingestion.Storage;
using Npgsql;

namespace Alle.Ingestion.TrackingPlans;

/// <summary>
/// Tracking plans in ingestiondb, and the compiled plan per source for the request path, cached for a few seconds
/// (a change made through this replica applies at once; other replicas follow within <see cref="CacheFor"/>).
/// </summary>
internal sealed class TrackingPlanStore(
    [FromKeyedServices(IngestionDatabase.Name)] NpgsqlDataSource dataSource,
    TimeProvider clock,
    ILogger<TrackingPlanStore> logger)
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(5);
    private static readonly JsonSerializerOptions s_json = JsonSerializerOptions.Web;

    private readonly ExpiringCache<TrackingPlan?> _plans = new(CacheFor, clock);

    /// <summary>The source's compiled plan, or null when it has none.</summary>
    public ValueTask<TrackingPlan?> GetAsync(string sourceId, CancellationToken cancellationToken) =>
        _plans.GetAsync(sourceId, token => CompileStoredAsync(sourceId, token), cancellationToken);

    private async Task<TrackingPlan?> CompileStoredAsync(string sourceId, CancellationToken cancellationToken)
    {
        if (await ReadAsync(sourceId, cancellationToken) is not { } document)
        {
            return null;
        }
        var (plan, errors) = await TrackingPlan.CompileAsync(document);
        if (plan is null)
        {
            logger.LogError("The stored tracking plan of source {SourceId} no longer compiles: {Errors}", sourceId, string.Join("; ", errors.Keys));
        }
        return plan;
    }

    public async Task<TrackingPlanDocument?> ReadAsync(string sourceId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT plan::text FROM tracking_plans WHERE source_id = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = sourceId });
        return await command.ExecuteScalarAsync(cancellationToken) is string json
            ? JsonSerializer.Deserialize<TrackingPlanDocument>(json, s_json)
            : null;
    }

    public async Task SaveAsync(string sourceId, TrackingPlan plan, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO tracking_plans (source_id, plan, updated_at) VALUES ($1, $2::jsonb, $3)
            ON CONFLICT (source_id) DO UPDATE SET plan = excluded.plan, updated_at = excluded.updated_at
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = sourceId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = JsonSerializer.Serialize(plan.Document, s_json) });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = clock.GetUtcNow() });
        await command.ExecuteNonQueryAsync(cancellationToken);
        _plans.Set(sourceId, plan);
    }

    public async Task<bool> DeleteAsync(string sourceId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM tracking_plans WHERE source_id = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = sourceId });
        var deleted = await command.ExecuteNonQueryAsync(cancellationToken) > 0;
        _plans.Remove(sourceId);
        return deleted;
    }
}
