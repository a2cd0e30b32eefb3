using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;
using Alle.Platform.Sql;
using Npgsql;

namespace Alle.Messaging.Journeys;

internal sealed record JourneyVersionInfo(int Version, DateTimeOffset CreatedAt);

internal sealed record Journey(Guid Id, string Status, int Version, JourneyDefinition Definition, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

internal static class JourneyStatus
{
    public const string Active = "active";
    public const string Paused = "paused";
    public const string Archived = "archived";
}

/// <summary>Entry states: waiting (for its time) / waiting_event / waiting_contact → completed, or exited / skipped / failed.</summary>
internal static class EntryStatus
{
    public const string Waiting = "waiting";
    public const string WaitingEvent = "waiting_event";
    public const string WaitingContact = "waiting_contact";
    public const string Completed = "completed";
    public const string Exited = "exited";
    public const string Skipped = "skipped";
    public const string Failed = "failed";

    public static readonly string[] Live = [Waiting, WaitingEvent, WaitingContact];

    public const string LiveSql = "('waiting', 'waiting_event', 'waiting_contact')";
}

/// <summary>
/// Journeys and their versions. A version's definition never changes once written, so definitions are cached by
/// (journey, version) for the runner.
/// </summary>
internal sealed class JourneyStore(NpgsqlDataSource dataSource, TimeProvider clock)
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly ConcurrentDictionary<(Guid, int), JourneyDefinition> _versions = new();

    private const string Columns = "id, status, version, definition::text, created_at, updated_at";

    public async Task<Journey> CreateAsync(JourneyDefinition definition, string status, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var journey = new Journey(Guid.CreateVersion7(now), status, 1, definition, now, now);
        var json = Sql.Jsonb(JsonSerializer.Serialize(definition, Json));
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync("""
            INSERT INTO journeys (id, name, status, version, definition, enrolment_pending, created_at, updated_at) VALUES ($1, $2, $3, 1, $4, $5, $6, $6)
            """, cancellationToken, journey.Id, definition.Name, status, json, definition.Trigger.EnrolCurrentMembers, now);
        await connection.ExecuteAsync("INSERT INTO journey_versions (journey_id, version, definition, created_at) VALUES ($1, 1, $2, $3)",
            cancellationToken, journey.Id, Sql.Jsonb(JsonSerializer.Serialize(definition, Json)), now);
        await transaction.CommitAsync(cancellationToken);
        return journey;
    }

    /// <summary>
    /// Saves an edit as a new version: new entries take it, entries already inside finish on theirs. Null when the
    /// journey does not exist; unchanged (and not revised) when it is archived.
    /// </summary>
    public async Task<Journey?> ReviseAsync(Guid id, JourneyDefinition definition, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var current = (await connection.ListAsync($"SELECT {Columns} FROM journeys WHERE id = $1 FOR UPDATE", Read, cancellationToken, id)).FirstOrDefault();
        if (current is null || current.Status == JourneyStatus.Archived)
        {
            return current;
        }
        var version = current.Version + 1;
        var json = JsonSerializer.Serialize(definition, Json);
        await connection.ExecuteAsync("UPDATE journeys SET name = $2, version = $3, definition = $4, updated_at = $5 WHERE id = $1",
            cancellationToken, id, definition.Name, version, Sql.Jsonb(json), now);
        await connection.ExecuteAsync("INSERT INTO journey_versions (journey_id, version, definition, created_at) VALUES ($1, $2, $3, $4)",
            cancellationToken, id, version, Sql.Jsonb(json), now);
        await transaction.CommitAsync(cancellationToken);
        return current with { Version = version, Definition = definition, UpdatedAt = now };
    }

    /// <summary>Pauses, resumes or archives; archiving also ends every entry still inside. Null when unknown.</summary>
    public async Task<Journey?> SetStatusAsync(Guid id, string status, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var updated = await connection.ExecuteAsync("UPDATE journeys SET status = $2, updated_at = $3 WHERE id = $1 AND status <> 'archived'",
            cancellationToken, id, status, now);
        if (updated == 1 && status == JourneyStatus.Archived)
        {
            await connection.ExecuteAsync($"""
                UPDATE journey_entries SET status = 'exited', skip_reason = 'archived', finished_at = $2, updated_at = $2
                WHERE journey_id = $1 AND status IN {EntryStatus.LiveSql}
                """, cancellationToken, id, now);
        }
        await transaction.CommitAsync(cancellationToken);
        return await GetAsync(id, cancellationToken);
    }

    public async Task<Journey?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.ListAsync($"SELECT {Columns} FROM journeys WHERE id = $1", Read, cancellationToken, id)).FirstOrDefault();
    }

    public async Task<IReadOnlyList<Journey>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ListAsync($"SELECT {Columns} FROM journeys ORDER BY created_at DESC LIMIT 500", Read, cancellationToken);
    }

    public async Task<IReadOnlyList<JourneyVersionInfo>> VersionsAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ListAsync("SELECT version, created_at FROM journey_versions WHERE journey_id = $1 ORDER BY version",
            reader => new JourneyVersionInfo(reader.GetInt32(0), reader.Instant(1)), cancellationToken, id);
    }

    /// <summary>The definition of one version, from the cache once read.</summary>
    public async Task<JourneyDefinition?> VersionAsync(NpgsqlConnection connection, Guid id, int version, CancellationToken cancellationToken)
    {
        if (_versions.TryGetValue((id, version), out var cached))
        {
            return cached;
        }
        var json = await connection.ScalarAsync<string>("SELECT definition::text FROM journey_versions WHERE journey_id = $1 AND version = $2",
            cancellationToken, id, version);
        if (json is null)
        {
            return null;
        }
        var definition = JsonSerializer.Deserialize<JourneyDefinition>(json, Json)!;
        _versions[(id, version)] = definition;
        return definition;
    }

    public async Task<IReadOnlyList<Journey>> ActiveForAudienceAsync(string audienceKey, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ListAsync($"""
            SELECT {Columns} FROM journeys
            WHERE status = 'active' AND definition->'trigger'->>'type' = 'audience' AND definition->'trigger'->>'audienceKey' = $1
            """, Read, cancellationToken, audienceKey);
    }

    public async Task<IReadOnlyList<Journey>> ActiveForEventAsync(string eventName, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ListAsync($"""
            SELECT {Columns} FROM journeys
            WHERE status = 'active' AND definition->'trigger'->>'type' = 'event' AND definition->'trigger'->>'event' = $1
            """, Read, cancellationToken, eventName);
    }

    /// <summary>The versions (of any journey, whatever its status: measuring goes on) whose goal is one of these events.</summary>
    public async Task<IReadOnlyList<(Guid JourneyId, int Version, JourneyGoal Goal)>> GoalsForEventsAsync(NpgsqlConnection connection,
        IReadOnlyCollection<string> eventNames, CancellationToken cancellationToken) =>
        eventNames.Count == 0
            ? []
            : await connection.ListAsync("""
                SELECT journey_id, version, definition->'goal' FROM journey_versions WHERE definition->'goal'->>'event' = ANY($1)
                """, reader => (reader.GetGuid(0), reader.GetInt32(1), JsonSerializer.Deserialize<JourneyGoal>(reader.GetString(2), Json)!),
                cancellationToken, (object)eventNames.ToArray());

    private static Journey Read(NpgsqlDataReader reader) => new(reader.GetGuid(0), reader.GetString(1), reader.GetInt32(2),
        JsonSerializer.Deserialize<JourneyDefinition>(reader.GetString(3), Json)!, reader.Instant(4), reader.Instant(5));
}
