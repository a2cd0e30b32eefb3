using System.Text.Json;
using Alle.Contracts;
using Alle.Ingestion.Storage;
using Alle.Platform.Identifiers;
using Npgsql;
using NpgsqlTypes;

namespace Alle.Ingestion.Warehouse;

/// <summary>
/// Loads events into warehousedb: one multi-row insert per table per batch, idempotent by (message id, source) so a
/// redelivered batch adds nothing; the users table takes the traits of newly loaded identify calls, merged in timestamp
/// order (a late, older identify only fills traits the user does not have yet).
/// </summary>
internal sealed class WarehouseWriter([FromKeyedServices(WarehouseDatabase.Name)] NpgsqlDataSource dataSource, SubjectIdentifiers identifiers)
{
    private sealed record Column(string Name, NpgsqlDbType Type, Func<WarehouseRow, object?> Value);

    private static readonly Column[] s_common =
    [
        new("id", NpgsqlDbType.Text, r => r.Event.MessageId),
        new("source_id", NpgsqlDbType.Text, r => r.Event.SourceId),
        new("anonymous_id", NpgsqlDbType.Text, r => r.Event.AnonymousId),
        new("user_id", NpgsqlDbType.Text, r => r.Event.UserId),
        new("context", NpgsqlDbType.Jsonb, r => Json(r.Event.Context)),
        new("context_ip", NpgsqlDbType.Text, r => r.Context.Ip),
        new("context_library_name", NpgsqlDbType.Text, r => r.Context.LibraryName),
        new("context_library_version", NpgsqlDbType.Text, r => r.Context.LibraryVersion),
        new("context_page_path", NpgsqlDbType.Text, r => r.Context.PagePath),
        new("context_page_url", NpgsqlDbType.Text, r => r.Context.PageUrl),
        new("context_page_referrer", NpgsqlDbType.Text, r => r.Context.PageReferrer),
        new("context_page_title", NpgsqlDbType.Text, r => r.Context.PageTitle),
        new("context_user_agent", NpgsqlDbType.Text, r => r.Context.UserAgent),
        new("context_locale", NpgsqlDbType.Text, r => r.Context.Locale),
        new("context_app_name", NpgsqlDbType.Text, r => r.Context.AppName),
        new("context_app_version", NpgsqlDbType.Text, r => r.Context.AppVersion),
        new("context_device_type", NpgsqlDbType.Text, r => r.Context.DeviceType),
        new("context_os_name", NpgsqlDbType.Text, r => r.Context.OsName),
        new("subject_identifiers", NpgsqlDbType.Text, r => string.Join('\n', r.SubjectIdentifiers)),
        new("timestamp", NpgsqlDbType.TimestampTz, r => r.Event.Timestamp.UtcDateTime),
        new("original_timestamp", NpgsqlDbType.TimestampTz, r => r.Event.OriginalTimestamp?.UtcDateTime),
        new("sent_at", NpgsqlDbType.TimestampTz, r => r.Event.SentAt?.UtcDateTime),
        new("received_at", NpgsqlDbType.TimestampTz, r => r.Event.ReceivedAt.UtcDateTime),
    ];

    private static readonly Dictionary<string, Column[]> s_tables = new(StringComparer.Ordinal)
    {
        ["tracks"] =
        [
            .. s_common,
            new("event", NpgsqlDbType.Text, r => WarehouseRow.EventSlug(r.Event.Event!)),
            new("event_text", NpgsqlDbType.Text, r => r.Event.Event),
            new("properties", NpgsqlDbType.Jsonb, r => Json(r.Event.Properties)),
        ],
        ["identifies"] = [.. s_common, new("traits", NpgsqlDbType.Jsonb, r => Json(r.Event.Traits))],
        ["pages"] =
        [
            .. s_common,
            new("name", NpgsqlDbType.Text, r => r.Event.Name),
            new("category", NpgsqlDbType.Text, r => r.Property("category")),
            new("path", NpgsqlDbType.Text, r => r.Property("path")),
            new("referrer", NpgsqlDbType.Text, r => r.Property("referrer")),
            new("search", NpgsqlDbType.Text, r => r.Property("search")),
            new("title", NpgsqlDbType.Text, r => r.Property("title")),
            new("url", NpgsqlDbType.Text, r => r.Property("url")),
            new("properties", NpgsqlDbType.Jsonb, r => Json(r.Event.Properties)),
        ],
        ["screens"] =
        [
            .. s_common,
            new("name", NpgsqlDbType.Text, r => r.Event.Name),
            new("category", NpgsqlDbType.Text, r => r.Property("category")),
            new("properties", NpgsqlDbType.Jsonb, r => Json(r.Event.Properties)),
        ],
        ["groups"] = [.. s_common, new("group_id", NpgsqlDbType.Text, r => r.Event.GroupId), new("traits", NpgsqlDbType.Jsonb, r => Json(r.Event.Traits))],
        ["aliases"] = [.. s_common, new("previous_id", NpgsqlDbType.Text, r => r.Event.PreviousId)],
    };

    private static readonly Dictionary<string, string> s_insertSql = s_tables.ToDictionary(t => t.Key, t => InsertSql(t.Key, t.Value));

    /// <summary>Loads the events; returns how many rows were new.</summary>
    public async Task<int> WriteAsync(IEnumerable<TrackedEvent> events, CancellationToken cancellationToken)
    {
        var received = events
            .DistinctBy(e => (e.MessageId, e.SourceId))
            .Select(e => WarehouseRow.From(e, identifiers.ContactPoints(e)))
            .ToList();
        if (received.Count == 0)
        {
            return 0;
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await DeletedSubjects.LockForLoadAsync(connection, transaction, cancellationToken);
        var rows = (await DeletedSubjects.WithoutDeletedAsync(connection, transaction, received, cancellationToken)).GroupBy(r => r.Table).ToList();
        var loaded = 0;
        var newIdentifies = new List<WarehouseRow>();
        foreach (var table in rows.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            // A stable order keeps two loaders inserting overlapping batches from deadlocking.
            var tableRows = table.OrderBy(r => r.Event.MessageId, StringComparer.Ordinal).ThenBy(r => r.Event.SourceId, StringComparer.Ordinal).ToList();
            var inserted = await InsertAsync(connection, transaction, table.Key, tableRows, cancellationToken);
            loaded += inserted.Count;
            if (table.Key == "identifies")
            {
                newIdentifies.AddRange(tableRows.Where(r => inserted.Contains((r.Event.MessageId, r.Event.SourceId))));
            }
        }
        await UpsertUsersAsync(connection, transaction, newIdentifies, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return loaded;
    }

    private static async Task<HashSet<(string, string)>> InsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        string table, List<WarehouseRow> rows, CancellationToken cancellationToken)
    {
        var columns = s_tables[table];
        await using var command = new NpgsqlCommand(s_insertSql[table], connection, transaction);
        foreach (var column in columns)
        {
            command.Parameters.Add(new NpgsqlParameter
            {
                NpgsqlDbType = NpgsqlDbType.Array | column.Type,
                Value = column.Type == NpgsqlDbType.TimestampTz
                    ? rows.Select(r => (DateTime?)column.Value(r)).ToArray()
                    : rows.Select(r => (string?)column.Value(r)).ToArray(),
            });
        }
        var inserted = new HashSet<(string, string)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            inserted.Add((reader.GetString(0), reader.GetString(1)));
        }
        return inserted;
    }

    private static async Task UpsertUsersAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, List<WarehouseRow> identifies, CancellationToken cancellationToken)
    {
        var users = identifies
            .Where(r => r.Event.UserId is not null)
            .GroupBy(r => r.Event.UserId!, StringComparer.Ordinal)
            .Select(UserTraits.Merge)
            .OrderBy(u => u.UserId, StringComparer.Ordinal)
            .ToList();
        if (users.Count == 0)
        {
            return;
        }
        await using var command = new NpgsqlCommand("""
            INSERT INTO users (id, traits, subject_identifiers, timestamp, received_at)
            SELECT id, traits, coalesce(string_to_array(nullif(identifiers, ''), E'\n'), '{}'), timestamp, received_at
            FROM unnest($1::text[], $2::jsonb[], $3::text[], $4::timestamptz[], $5::timestamptz[]) AS r(id, traits, identifiers, timestamp, received_at)
            ON CONFLICT (id) DO UPDATE SET
                traits = CASE WHEN excluded.timestamp >= users.timestamp THEN users.traits || excluded.traits ELSE excluded.traits || users.traits END,
                subject_identifiers = ARRAY(SELECT DISTINCT unnest(users.subject_identifiers || excluded.subject_identifiers)),
                timestamp = greatest(users.timestamp, excluded.timestamp),
                received_at = greatest(users.received_at, excluded.received_at),
                uuid_ts = now()
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. users.Select(u => u.UserId)] });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb, Value = users.Select(u => u.Traits).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. users.Select(u => string.Join('\n', u.SubjectIdentifiers))] });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, Value = users.Select(u => u.Timestamp.UtcDateTime).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, Value = users.Select(u => u.ReceivedAt.UtcDateTime).ToArray() });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string InsertSql(string table, Column[] columns)
    {
        var names = string.Join(", ", columns.Select(c => c.Name));
        var arrays = string.Join(", ", columns.Select((c, i) => $"${i + 1}::{(c.Type == NpgsqlDbType.Jsonb ? "jsonb" : c.Type == NpgsqlDbType.TimestampTz ? "timestamptz" : "text")}[]"));
        var values = string.Join(", ", columns.Select(c => c.Name == "subject_identifiers"
            ? "coalesce(string_to_array(nullif(subject_identifiers, ''), E'\\n'), '{}')"
            : c.Name));
        return $"""
            INSERT INTO {table} ({names})
            SELECT {values} FROM unnest({arrays}) AS r({names})
            ON CONFLICT DO NOTHING
            RETURNING id, source_id
            """;
    }

    private static string? Json(JsonElement? element) => element?.GetRawText();
}

/// <summary>A user's traits from several identify calls of one batch, merged in timestamp order (later values win).</summary>
internal sealed record UserTraits(string UserId, string Traits, IReadOnlyList<string> SubjectIdentifiers, DateTimeOffset Timestamp, DateTimeOffset ReceivedAt)
{
    public static UserTraits Merge(IGrouping<string, WarehouseRow> identifies)
    {
        var merged = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var row in identifies.OrderBy(r => r.Event.Timestamp))
        {
            if (row.Event.Traits is { ValueKind: JsonValueKind.Object } traits)
            {
                foreach (var trait in traits.EnumerateObject())
                {
                    merged[trait.Name] = trait.Value;
                }
            }
        }
        return new UserTraits(
            identifies.Key,
            JsonSerializer.Serialize(merged),
            [.. identifies.SelectMany(r => r.SubjectIdentifiers).Distinct(StringComparer.Ordinal)],
            identifies.Max(r => r.Event.Timestamp),
            identifies.Max(r => r.Event.ReceivedAt));
    }
}
