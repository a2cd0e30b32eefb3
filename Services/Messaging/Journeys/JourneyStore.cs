using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Alle.Messaging.Journeys;

internal sealed record Journey(Guid Id, string Status, JourneyDefinition Definition, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

internal sealed record JourneyCounts(long Entered, long Waiting, long Sent, long Delivered, long Failed, IReadOnlyDictionary<string, long> Skipped);

/// <summary>A member's way into a journey; <see cref="TriggerKey"/> identifies the fact that triggered it, so redelivery enters once.</summary>
internal sealed record EntryRequest(string MemberKey, Guid? ProfileId, string? UserId, string TriggerKey, JsonElement? TriggerProperties);

internal static class JourneyStatus
{
    public const string Active = "active";
    public const string Paused = "paused";
}

/// <summary>Entry states: waiting → messaged, or exited / skipped / failed.</summary>
internal static class EntryStatus
{
    public const string Waiting = "waiting";
    public const string Messaged = "messaged";
    public const string Exited = "exited";
    public const string Skipped = "skipped";
    public const string Failed = "failed";
}

internal sealed class JourneyStore(NpgsqlDataSource dataSource, TimeProvider clock)
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public async Task<Journey> CreateAsync(JourneyDefinition definition, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var journey = new Journey(Guid.CreateVersion7(now), JourneyStatus.Active, definition, now, now);
        await using var command = dataSource.CreateCommand(
            "INSERT INTO journeys (id, name, status, definition, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)");
        command.Parameters.Add(new NpgsqlParameter { Value = journey.Id });
        command.Parameters.Add(new NpgsqlParameter { Value = definition.Name });
        command.Parameters.Add(new NpgsqlParameter { Value = journey.Status });
        command.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(definition, Json), NpgsqlDbType = NpgsqlDbType.Jsonb });
        command.Parameters.Add(new NpgsqlParameter { Value = now });
        await command.ExecuteNonQueryAsync(cancellationToken);
        return journey;
    }

    public async Task<Journey?> SetStatusAsync(Guid id, string status, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("UPDATE journeys SET status = $2, updated_at = $3 WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        command.Parameters.Add(new NpgsqlParameter { Value = status });
        command.Parameters.Add(new NpgsqlParameter { Value = clock.GetUtcNow() });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 0 ? null : await GetAsync(id, cancellationToken);
    }

    public async Task<Journey?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        (await QueryAsync("SELECT id, status, definition::text, created_at, updated_at FROM journeys WHERE id = $1", [id], cancellationToken)).FirstOrDefault();

    public Task<IReadOnlyList<Journey>> ListAsync(CancellationToken cancellationToken) =>
        QueryAsync("SELECT id, status, definition::text, created_at, updated_at FROM journeys ORDER BY created_at DESC LIMIT 500", [], cancellationToken);

    public Task<IReadOnlyList<Journey>> ActiveForAudienceAsync(string audienceKey, CancellationToken cancellationToken) => QueryAsync("""
        SELECT id, status, definition::text, created_at, updated_at FROM journeys
        WHERE status = 'active' AND definition->'trigger'->>'type' = 'audience' AND definition->'trigger'->>'audienceKey' = $1
        """, [audienceKey], cancellationToken);

    public Task<IReadOnlyList<Journey>> ActiveForEventAsync(string eventName, CancellationToken cancellationToken) => QueryAsync("""
        SELECT id, status, definition::text, created_at, updated_at FROM journeys
        WHERE status = 'active' AND definition->'trigger'->>'type' = 'event' AND definition->'trigger'->>'event' = $1
        """, [eventName], cancellationToken);

    /// <summary>
    /// Enters the member unless this trigger was already handled or the entry policy forbids it (checked under a lock
    /// per journey and member, so two replicas never both enter her). True when a new entry was made.
    /// </summary>
    public async Task<bool> TryEnterAsync(Journey journey, EntryRequest request, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockMember = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext($1 || '|' || $2))", connection, transaction))
        {
            lockMember.Parameters.AddWithValue(journey.Id.ToString());
            lockMember.Parameters.AddWithValue(request.MemberKey);
            await lockMember.ExecuteNonQueryAsync(cancellationToken);
        }
        await using (var previous = new NpgsqlCommand("""
            SELECT EXISTS (SELECT 1 FROM journey_entries WHERE journey_id = $1 AND trigger_key = $3),
                   (SELECT max(entered_at) FROM journey_entries WHERE journey_id = $1 AND member_key = $2)
            """, connection, transaction))
        {
            previous.Parameters.AddWithValue(journey.Id);
            previous.Parameters.AddWithValue(request.MemberKey);
            previous.Parameters.AddWithValue(request.TriggerKey);
            await using var reader = await previous.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            var lastEntry = reader.IsDBNull(1) ? (DateTimeOffset?)null : reader.GetFieldValue<DateTimeOffset>(1);
            if (reader.GetBoolean(0) || !journey.Definition.Policy.Allows(lastEntry, now))
            {
                return false;
            }
        }
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO journey_entries (id, journey_id, member_key, profile_id, user_id, trigger_key, trigger_properties, status, entered_at, send_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, 'waiting', $8, $9, $8)
            """, connection, transaction))
        {
            insert.Parameters.AddWithValue(Guid.CreateVersion7(now));
            insert.Parameters.AddWithValue(journey.Id);
            insert.Parameters.AddWithValue(request.MemberKey);
            insert.Parameters.AddWithValue((object?)request.ProfileId ?? DBNull.Value);
            insert.Parameters.AddWithValue((object?)request.UserId ?? DBNull.Value);
            insert.Parameters.AddWithValue(request.TriggerKey);
            insert.Parameters.Add(new NpgsqlParameter { Value = (object?)request.TriggerProperties?.GetRawText() ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Jsonb });
            insert.Parameters.AddWithValue(now);
            insert.Parameters.AddWithValue(now.AddSeconds(journey.Definition.DelaySeconds));
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>Exits members still waiting in journeys triggered by an audience they just left.</summary>
    public async Task<int> ExitAsync(string audienceKey, Guid profileId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE journey_entries e SET status = 'exited', skip_reason = 'left_audience', updated_at = $3
            FROM journeys j
            WHERE e.journey_id = j.id AND e.status = 'waiting' AND e.profile_id = $2
              AND j.definition->'trigger'->>'type' = 'audience' AND j.definition->'trigger'->>'audienceKey' = $1
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = audienceKey });
        command.Parameters.Add(new NpgsqlParameter { Value = profileId });
        command.Parameters.Add(new NpgsqlParameter { Value = now });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Records the latest membership, ignoring a change older than what we know (events arrive out of order).</summary>
    public async Task<bool> RecordMembershipAsync(string audienceKey, Guid profileId, bool isMember, DateTimeOffset changedAt, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO audience_memberships (audience_key, profile_id, is_member, changed_at) VALUES ($1, $2, $3, $4)
            ON CONFLICT (audience_key, profile_id) DO UPDATE SET is_member = EXCLUDED.is_member, changed_at = EXCLUDED.changed_at
                WHERE audience_memberships.changed_at <= EXCLUDED.changed_at
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = audienceKey });
        command.Parameters.Add(new NpgsqlParameter { Value = profileId });
        command.Parameters.Add(new NpgsqlParameter { Value = isMember });
        command.Parameters.Add(new NpgsqlParameter { Value = changedAt });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<JourneyCounts> CountAsync(Guid journeyId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT count(*),
                   count(*) FILTER (WHERE e.status = 'waiting' OR m.status IN ('pending', 'deferred', 'sending')),
                   count(*) FILTER (WHERE m.status IN ('queued', 'sent', 'delivered', 'undelivered')),
                   count(*) FILTER (WHERE m.status = 'delivered'),
                   count(*) FILTER (WHERE e.status = 'failed' OR m.status IN ('failed', 'undelivered'))
            FROM journey_entries e LEFT JOIN messages m ON m.id = e.message_id
            WHERE e.journey_id = @journey;
            SELECT reason, count(*) FROM (
                SELECT e.skip_reason AS reason FROM journey_entries e WHERE e.journey_id = @journey AND e.status IN ('skipped', 'exited')
                UNION ALL
                SELECT m.skip_reason FROM journey_entries e JOIN messages m ON m.id = e.message_id WHERE e.journey_id = @journey AND m.status = 'skipped'
            ) skipped GROUP BY reason ORDER BY reason;
            """);
        command.Parameters.AddWithValue("journey", journeyId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var (entered, waiting, sent, delivered, failed) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4));
        await reader.NextResultAsync(cancellationToken);
        var skipped = new Dictionary<string, long>();
        while (await reader.ReadAsync(cancellationToken))
        {
            skipped[reader.IsDBNull(0) ? "unknown" : reader.GetString(0)] = reader.GetInt64(1);
        }
        return new JourneyCounts(entered, waiting, sent, delivered, failed, skipped);
    }

    private async Task<IReadOnlyList<Journey>> QueryAsync(string sql, object[] parameters, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }
        var journeys = new List<Journey>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            journeys.Add(new Journey(reader.GetGuid(0), reader.GetString(1), JsonSerializer.Deserialize<JourneyDefinition>(reader.GetString(2), Json)!,
                reader.GetFieldValue<DateTimeOffset>(3), reader.GetFieldValue<DateTimeOffset>(4)));
        }
        return journeys;
    }
}
