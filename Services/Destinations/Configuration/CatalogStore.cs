using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alle.Destinations.Filtering;
using Alle.Destinations.Mappings;
using Alle.Destinations.Validation;
using Alle.Platform.Sql;
using Npgsql;

namespace Alle.Destinations.Configuration;

/// <summary>
/// Destinations, their sources, mappings and syncs in <c>destinationsdb</c>. Every write bumps the catalog version, and
/// <see cref="GetAsync"/> reloads the in-memory <see cref="Catalog"/> whenever the version it reads has moved, so a change
/// made through any instance applies everywhere from the next message or delivery on.
/// </summary>
internal sealed class CatalogStore(NpgsqlDataSource dataSource)
{
    private readonly SemaphoreSlim _reload = new(1, 1);
    private Catalog _current = Catalog.Empty;

    public NpgsqlDataSource DataSource => dataSource;

    /// <summary>The catalog as of now (one small query; a reload when it changed).</summary>
    public async Task<Catalog> GetAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await GetAsync(connection, cancellationToken);
    }

    public async Task<Catalog> GetAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var version = await connection.ScalarAsync<long>("SELECT version FROM catalog_version WHERE id = 1", cancellationToken);
        if (_current.Version == version)
        {
            return _current;
        }
        await _reload.WaitAsync(cancellationToken);
        try
        {
            if (_current.Version != version)
            {
                _current = await LoadAsync(connection, version, cancellationToken);
            }
            return _current;
        }
        finally
        {
            _reload.Release();
        }
    }

    /// <summary>The catalog held in memory, without a database round trip (may be up to one change behind).</summary>
    public Catalog Cached => _current;

    private static async Task<Catalog> LoadAsync(NpgsqlConnection connection, long version, CancellationToken cancellationToken)
    {
        var sources = (await connection.ListAsync("SELECT destination_id, source_id FROM destination_sources",
            reader => (Id: reader.GetGuid(0), Source: reader.GetString(1)), cancellationToken))
            .ToLookup(row => row.Id, row => row.Source);
        var mappings = (await connection.ListAsync(
            "SELECT id, destination_id, name, enabled, trigger::text, request::text, created_at, updated_at FROM mappings ORDER BY created_at, id",
            ReadMapping, cancellationToken)).ToLookup(m => m.DestinationId);
        var syncs = (await connection.ListAsync($"{SelectSync} ORDER BY created_at", ReadSync, cancellationToken)).ToLookup(s => s.DestinationId);
        var destinations = await connection.ListAsync("""
            SELECT id, name, type, enabled, settings::text, secret, consent_categories, filters::text, ordered, concurrency, rate_limit_per_second,
                   retry_window_seconds, timeout_ms, created_at, updated_at
            FROM destinations ORDER BY created_at, id
            """, reader => Read(reader, mappings, sources, syncs), cancellationToken);
        return new Catalog(version, destinations);
    }

    private static Destination Read(NpgsqlDataReader reader, ILookup<Guid, Mapping> mappings, ILookup<Guid, string> sources, ILookup<Guid, Sync> syncs)
    {
        var id = reader.GetGuid(0);
        var type = reader.GetString(2);
        var settings = JsonDocument.Parse(reader.GetString(4)).RootElement;
        var filtersJson = JsonDocument.Parse(reader.GetString(7)).RootElement;
        var errors = new ValidationErrors();
        var filters = DestinationFilters.Parse(filtersJson, "$.filters", errors);
        WebhookSettings? webhook = null;
        if (type == DestinationTypes.Webhook)
        {
            // Stored URLs were checked when saved; loading trusts them, and every connection is checked again.
            webhook = new WebhookSettings(new Uri(settings.GetProperty("url").GetString()!),
                settings.GetProperty("headers").EnumerateObject().ToDictionary(h => h.Name, h => h.Value.GetString()!, StringComparer.OrdinalIgnoreCase),
                settings.GetProperty("batchSize").GetInt32(), TimeSpan.FromMilliseconds(settings.GetProperty("batchWaitMs").GetInt32()));
        }
        var definition = new DestinationDefinition(reader.GetString(1), type, reader.GetBoolean(3), webhook, reader.GetFieldValue<string[]>(6), filtersJson,
            new DeliverySettings(reader.GetBoolean(8), reader.GetInt32(9), reader.IsDBNull(10) ? null : reader.GetInt32(10),
                TimeSpan.FromSeconds(reader.GetInt32(11)), TimeSpan.FromMilliseconds(reader.GetInt32(12))));
        if (filters is null)
        {
            throw new InvalidOperationException($"Destination {id} has stored filters that no longer parse: {errors}");
        }
        return new Destination(id, definition, reader.GetString(5), filters, [.. mappings[id]], sources[id].ToHashSet(StringComparer.Ordinal),
            [.. syncs[id]], reader.Instant(13), reader.Instant(14));
    }

    private static Mapping ReadMapping(NpgsqlDataReader reader)
    {
        var trigger = JsonDocument.Parse(reader.GetString(4)).RootElement;
        var request = JsonDocument.Parse(reader.GetString(5)).RootElement;
        var errors = new ValidationErrors();
        var condition = ConditionParser.Parse(trigger, "$.trigger", errors);
        var template = MappingTemplate.Parse(request, "$.request", errors);
        if (condition is null || template is null)
        {
            throw new InvalidOperationException($"Mapping {reader.GetGuid(0)} no longer parses: {errors}");
        }
        return new Mapping(reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.GetBoolean(3), trigger, request, condition, template,
            reader.Instant(6), reader.Instant(7));
    }

    public const string SelectSync = """
        SELECT id, destination_id, kind, key, name, source_definition_id, send_identify, send_track, backfill_status, backfill_generation,
               backfill_sent, backfill_error, backfill_started_at, backfill_finished_at, created_at
        FROM syncs
        """;

    public static Sync ReadSync(NpgsqlDataReader reader) => new(reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3),
        reader.GetString(4), reader.GetGuid(5), reader.GetBoolean(6), reader.GetBoolean(7), reader.GetString(8), reader.GetInt32(9), reader.GetInt64(10),
        reader.NullableString(11), reader.NullableInstant(12), reader.NullableInstant(13), reader.Instant(14));

    public async Task<IReadOnlyList<Sync>> SyncsOfAsync(Guid destinationId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ListAsync($"{SelectSync} WHERE destination_id = $1 ORDER BY created_at", ReadSync, cancellationToken, destinationId);
    }

    public async Task<Sync?> SyncAsync(Guid syncId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.ListAsync($"{SelectSync} WHERE id = $1", ReadSync, cancellationToken, syncId)).SingleOrDefault();
    }

    public static string NewSecret() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    // Writes. Each runs in one transaction with the version bump.

    public async Task<Guid> CreateAsync(DestinationDefinition definition, string secret, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var id = Guid.CreateVersion7();
        await WriteAsync(connection => connection.ExecuteAsync("""
            INSERT INTO destinations (id, name, type, enabled, settings, consent_categories, filters, ordered, concurrency, rate_limit_per_second,
                                      retry_window_seconds, timeout_ms, secret, created_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)
            """, cancellationToken, [id, .. Columns(definition), secret, now]), cancellationToken);
        return id;
    }

    public Task<bool> UpdateAsync(Guid id, DestinationDefinition definition, DateTimeOffset now, CancellationToken cancellationToken) =>
        WriteAsync(async connection => await connection.ExecuteAsync("""
            UPDATE destinations SET name = $2, type = $3, enabled = $4, settings = $5, consent_categories = $6, filters = $7, ordered = $8,
                concurrency = $9, rate_limit_per_second = $10, retry_window_seconds = $11, timeout_ms = $12, updated_at = $13
            WHERE id = $1
            """, cancellationToken, [id, .. Columns(definition), now]) > 0, cancellationToken);

    public Task<bool> SetEnabledAsync(Guid id, bool enabled, DateTimeOffset now, CancellationToken cancellationToken) =>
        WriteAsync(async connection => await connection.ExecuteAsync("UPDATE destinations SET enabled = $2, updated_at = $3 WHERE id = $1",
            cancellationToken, id, enabled, now) > 0, cancellationToken);

    public Task<bool> SetSecretAsync(Guid id, string secret, DateTimeOffset now, CancellationToken cancellationToken) =>
        WriteAsync(async connection => await connection.ExecuteAsync("UPDATE destinations SET secret = $2, updated_at = $3 WHERE id = $1",
            cancellationToken, id, secret, now) > 0, cancellationToken);

    public Task<bool> DeleteAsync(Guid id, CancellationToken cancellationToken) =>
        WriteAsync(async connection => await connection.ExecuteAsync("DELETE FROM destinations WHERE id = $1", cancellationToken, id) > 0, cancellationToken);

    public Task<bool> ConnectAsync(Guid id, string sourceId, DateTimeOffset now, CancellationToken cancellationToken) =>
        WriteAsync(async connection => await connection.ExecuteAsync("""
            INSERT INTO destination_sources (destination_id, source_id, connected_at) SELECT id, $2, $3 FROM destinations WHERE id = $1
            ON CONFLICT DO NOTHING
            """, cancellationToken, id, sourceId, now) >= 0, cancellationToken);

    public Task<bool> DisconnectAsync(Guid id, string sourceId, CancellationToken cancellationToken) =>
        WriteAsync(async connection => await connection.ExecuteAsync("DELETE FROM destination_sources WHERE destination_id = $1 AND source_id = $2",
            cancellationToken, id, sourceId) > 0, cancellationToken);

    public async Task<Guid> AddMappingAsync(Guid destinationId, string name, bool enabled, JsonElement trigger, JsonElement request, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var id = Guid.CreateVersion7();
        await WriteAsync(connection => connection.ExecuteAsync("""
            INSERT INTO mappings (id, destination_id, name, enabled, trigger, request, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
            """, cancellationToken, id, destinationId, name, enabled, trigger, request, now), cancellationToken);
        return id;
    }

    public Task<bool> UpdateMappingAsync(Guid destinationId, Guid id, string name, bool enabled, JsonElement trigger, JsonElement request, DateTimeOffset now,
        CancellationToken cancellationToken) =>
        WriteAsync(async connection => await connection.ExecuteAsync("""
            UPDATE mappings SET name = $3, enabled = $4, trigger = $5, request = $6, updated_at = $7 WHERE destination_id = $1 AND id = $2
            """, cancellationToken, destinationId, id, name, enabled, trigger, request, now) > 0, cancellationToken);

    public Task<bool> DeleteMappingAsync(Guid destinationId, Guid id, CancellationToken cancellationToken) =>
        WriteAsync(async connection => await connection.ExecuteAsync("DELETE FROM mappings WHERE destination_id = $1 AND id = $2",
            cancellationToken, destinationId, id) > 0, cancellationToken);

    /// <summary>Adds a sync with its backfill pending; null when the destination already syncs that audience or trait.</summary>
    public async Task<Guid?> AddSyncAsync(Guid destinationId, string kind, string key, string name, Guid definitionId, bool identify, bool track,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        var id = Guid.CreateVersion7();
        var added = await WriteAsync(async connection => await connection.ExecuteAsync("""
            INSERT INTO syncs (id, destination_id, kind, key, name, source_definition_id, send_identify, send_track, backfill_status, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9) ON CONFLICT DO NOTHING
            """, cancellationToken, id, destinationId, kind, key, name, definitionId, identify, track, now) > 0, cancellationToken);
        return added ? id : null;
    }

    public Task<bool> DeleteSyncAsync(Guid destinationId, Guid id, CancellationToken cancellationToken) =>
        WriteAsync(async connection => await connection.ExecuteAsync("DELETE FROM syncs WHERE destination_id = $1 AND id = $2",
            cancellationToken, destinationId, id) > 0, cancellationToken);

    /// <summary>Starts the backfill again from the first member, under a new generation (so its events are new messages).</summary>
    public Task<bool> RestartBackfillAsync(Guid destinationId, Guid id, CancellationToken cancellationToken) =>
        WriteAsync(async connection => await connection.ExecuteAsync("""
            UPDATE syncs SET backfill_status = 'pending', backfill_generation = backfill_generation + 1, backfill_cursor = NULL, backfill_sent = 0,
                backfill_error = NULL, backfill_lease_until = NULL, backfill_started_at = NULL, backfill_finished_at = NULL
            WHERE destination_id = $1 AND id = $2
            """, cancellationToken, destinationId, id) > 0, cancellationToken);

    public static Task BumpAsync(NpgsqlConnection connection, CancellationToken cancellationToken) =>
        connection.ExecuteAsync("UPDATE catalog_version SET version = version + 1 WHERE id = 1", cancellationToken);

    private async Task<T> WriteAsync<T>(Func<NpgsqlConnection, Task<T>> write, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var result = await write(connection);
        await BumpAsync(connection, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return result;
    }

    /// <summary>$2 … $12 of the destination statements: name, type, enabled, settings, categories, filters, delivery.</summary>
    private static object?[] Columns(DestinationDefinition definition) =>
    [
        definition.Name,
        definition.Type,
        definition.Enabled,
        Sql.Jsonb((definition.Webhook?.ToJson() ?? new JsonObject()).ToJsonString()),
        definition.ConsentCategories.ToArray(),
        Sql.Jsonb(definition.FiltersJson.GetRawText()),
        definition.Delivery.Ordered,
        definition.Delivery.Concurrency,
        definition.Delivery.RateLimitPerSecond,
        (int)definition.Delivery.RetryWindow.TotalSeconds,
        (int)definition.Delivery.Timeout.TotalMilliseconds,
    ];
}
