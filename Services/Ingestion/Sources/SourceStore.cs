using Npgsql;

using Alle.Ingestion.Storage;

namespace Alle.Ingestion.Sources;

/// <summary>Sources in ingestiondb. Write keys are looked up by their hash; the key itself is never stored.</summary>
internal sealed class SourceStore([FromKeyedServices(IngestionDatabase.Name)] NpgsqlDataSource dataSource, TimeProvider clock)
{
    private const string Columns = "id, name, enabled, rate_limit_per_second, write_key_hint, created_at, updated_at, key_rotated_at";

    public async Task<Source?> FindByKeyHashAsync(byte[] keyHash, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM sources WHERE write_key_hash = $1");
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = keyHash });
        return await ReadOneAsync(command, cancellationToken);
    }

    public async Task<Source?> FindAsync(string id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM sources WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        return await ReadOneAsync(command, cancellationToken);
    }

    public async Task<IReadOnlyList<Source>> ListAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM sources ORDER BY id");
        var sources = new List<Source>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            sources.Add(Read(reader));
        }
        return sources;
    }

    /// <summary>Creates a source; null when the id is taken.</summary>
    public async Task<Source?> CreateAsync(string id, string name, int? rateLimitPerSecond, string writeKey, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            INSERT INTO sources (id, name, write_key_hash, write_key_hint, rate_limit_per_second, created_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $6)
            ON CONFLICT (id) DO NOTHING
            RETURNING {Columns}
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = WriteKey.Hash(writeKey) });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = WriteKey.Hint(writeKey) });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)rateLimitPerSecond ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = clock.GetUtcNow() });
        return await ReadOneAsync(command, cancellationToken);
    }

    /// <summary>Renames, enables or disables a source, or changes its rate limit (0 clears it back to the default).</summary>
    public async Task<Source?> UpdateAsync(string id, string? name, bool? enabled, int? rateLimitPerSecond, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            UPDATE sources SET
                name = coalesce($2, name),
                enabled = coalesce($3, enabled),
                rate_limit_per_second = CASE WHEN $4::integer IS NULL THEN rate_limit_per_second WHEN $4 = 0 THEN NULL ELSE $4 END,
                updated_at = $5
            WHERE id = $1
            RETURNING {Columns}
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)name ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)enabled ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Boolean });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)rateLimitPerSecond ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = clock.GetUtcNow() });
        return await ReadOneAsync(command, cancellationToken);
    }

    /// <summary>Replaces the write key: the old one stops working at once.</summary>
    public async Task<Source?> RotateKeyAsync(string id, string newWriteKey, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            UPDATE sources SET write_key_hash = $2, write_key_hint = $3, key_rotated_at = $4, updated_at = $4
            WHERE id = $1
            RETURNING {Columns}
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = WriteKey.Hash(newWriteKey) });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = WriteKey.Hint(newWriteKey) });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = clock.GetUtcNow() });
        return await ReadOneAsync(command, cancellationToken);
    }

    /// <summary>
    /// Creates a first-party source with the key from configuration. Idempotent across restarts and replicas; when the
    /// configured key changes (new credentials) it replaces the stored one, but a key an operator rotated since the last
    /// seed, or a source an operator disabled, stays as the operator left it.
    /// </summary>
    public async Task SeedAsync(string id, string writeKey, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO sources (id, name, write_key_hash, write_key_hint, seed_key_hash, created_at, updated_at)
            VALUES ($1, $1, $2, $3, $2, $4, $4)
            ON CONFLICT (id) DO UPDATE SET write_key_hash = excluded.write_key_hash, write_key_hint = excluded.write_key_hint,
                seed_key_hash = excluded.seed_key_hash, updated_at = excluded.updated_at
            WHERE sources.seed_key_hash IS DISTINCT FROM excluded.seed_key_hash
            """);
        var hash = WriteKey.Hash(writeKey);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = hash });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = WriteKey.Hint(writeKey) });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = clock.GetUtcNow() });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<Source?> ReadOneAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    private static Source Read(NpgsqlDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        reader.GetBoolean(2),
        reader.IsDBNull(3) ? null : reader.GetInt32(3),
        reader.GetString(4),
        reader.GetFieldValue<DateTimeOffset>(5),
        reader.GetFieldValue<DateTimeOffset>(6),
        reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7));
}
