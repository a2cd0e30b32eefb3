using System.Collections.Concurrent;
using System.Text.Json;
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

    private readonly ConcurrentDictionary<string, (TrackingPlan? Plan, DateTimeOffset Expires)> _plans = new(StringComparer.Ordinal);

    /// <summary>The source's compiled plan, or null when it has none.</summary>
    public async ValueTask<TrackingPlan?> GetAsync(string sourceId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (_plans.TryGetValue(sourceId, out var cached) && cached.Expires > now)
        {
            return cached.Plan;
        }
        var document = await ReadAsync(sourceId, cancellationToken);
        TrackingPlan? plan = null;
        if (document is not null)
        {
            (plan, var errors) = await TrackingPlan.CompileAsync(document);
            if (plan is null)
            {
                logger.LogError("The stored tracking plan of source {SourceId} no longer compiles: {Errors}", sourceId, string.Join("; ", errors.Keys));
            }
        }
        _plans[sourceId] = (plan, now + CacheFor);
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
        _plans[sourceId] = (plan, clock.GetUtcNow() + CacheFor);
    }

    public async Task<bool> DeleteAsync(string sourceId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM tracking_plans WHERE source_id = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = sourceId });
        var deleted = await command.ExecuteNonQueryAsync(cancellationToken) > 0;
        _plans.TryRemove(sourceId, out _);
        return deleted;
    }
}
