using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Alle.Contracts;
using Alle.Platform.Sql;
using Alle.Profiles.Resolution;
using Alle.Profiles.Traits;
using Npgsql;

namespace Alle.Profiles.Reading;

/// <summary>Reads profiles and timelines from the database.</summary>
internal sealed class ProfileStore(NpgsqlDataSource dataSource)
{
    public async Task<Guid?> FindProfileIdAsync(Identifier identifier, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT profile_id FROM identities WHERE type = $1 AND value = $2");
        command.Parameters.Add(Sql.Value(identifier.Type));
        command.Parameters.Add(Sql.Value(identifier.Value));
        return await command.ExecuteScalarAsync(cancellationToken) is Guid id ? id : null;
    }

    public async Task<ProfileDocument?> LoadAsync(Guid profileId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                Sql.Command("""
                    SELECT created_at, updated_at, traits::text, first_message_id, first_source_id, last_message_id, last_source_id
                    FROM profiles WHERE id = $1 AND merged_into IS NULL
                    """, Sql.Value(profileId)),
                Sql.Command("SELECT type, value, source_id, first_message_id, created_at FROM identities WHERE profile_id = $1 ORDER BY created_at, type, value",
                    Sql.Value(profileId)),
                Sql.Command("SELECT DISTINCT ON (group_id) group_id, source_id, created_at FROM links WHERE profile_id = $1 ORDER BY group_id, created_at",
                    Sql.Value(profileId)),
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        var traits = TraitSet.FromJson(reader.GetString(2));
        var metadata = new ProfileMetadata(reader.GetFieldValue<DateTimeOffset>(0), reader.GetFieldValue<DateTimeOffset>(1),
            reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.GetString(6));

        await reader.NextResultAsync(cancellationToken);
        var identities = new List<StoredIdentity>();
        while (await reader.ReadAsync(cancellationToken))
        {
            identities.Add(new StoredIdentity(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetFieldValue<DateTimeOffset>(4)));
        }

        await reader.NextResultAsync(cancellationToken);
        var links = new List<ProfileLink>();
        while (await reader.ReadAsync(cancellationToken))
        {
            links.Add(new ProfileLink(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2)));
        }
        return new ProfileDocument(profileId, traits.Values, identities, metadata, links);
    }

    /// <summary>A page of the timeline, newest first unless <see cref="EventsQuery.Ascending"/>; one more than asked tells whether more remain.</summary>
    public async IAsyncEnumerable<TimelineEvent> ReadEventsAsync(Guid profileId, EventsQuery query, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var (comparison, order) = query.Ascending ? (">", "ASC") : ("<", "DESC");
        await using var command = dataSource.CreateCommand($"""
            SELECT seq, source_id, message_id, type, event, name, user_id, anonymous_id, group_id,
                   properties::text, traits::text, context::text, external_ids::text, timestamp, received_at
            FROM events
            WHERE profile_id = $1
              AND ($2::timestamptz IS NULL OR (timestamp, seq) {comparison} ($2, $3))
              AND ($4::text[] IS NULL OR coalesce(event, name, type) = ANY($4))
              AND ($5::text[] IS NULL OR NOT coalesce(event, name, type) = ANY($5))
              AND ($6::timestamptz IS NULL OR timestamp >= $6)
              AND ($7::timestamptz IS NULL OR timestamp < $7)
              AND ($9::text[] IS NULL OR type = ANY($9))
            ORDER BY timestamp {order}, seq {order}
            LIMIT $8
            """);
        command.Parameters.Add(Sql.Value(profileId));
        command.Parameters.Add(Sql.Value(query.After is { } after ? Sql.Utc(after.Timestamp) : (DateTimeOffset?)null));
        command.Parameters.Add(Sql.Value(query.After?.Sequence ?? 0L));
        command.Parameters.Add(Sql.Value(query.Include));
        command.Parameters.Add(Sql.Value(query.Exclude));
        command.Parameters.Add(Sql.Value(query.Start is { } start ? Sql.Utc(start) : (DateTimeOffset?)null));
        command.Parameters.Add(Sql.Value(query.End is { } end ? Sql.Utc(end) : (DateTimeOffset?)null));
        command.Parameters.Add(Sql.Value(query.Limit));
        command.Parameters.Add(Sql.Value(query.Types));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return new TimelineEvent(
                new EventCursor(reader.GetFieldValue<DateTimeOffset>(13), reader.GetInt64(0)).Encode(),
                JsonSerializer.Deserialize<List<ExternalId>>(reader.GetString(12), JsonSerializerOptions.Web) ?? [],
                reader.NullableJson(11),
                reader.GetString(3),
                reader.GetString(2),
                reader.GetString(1),
                reader.GetFieldValue<DateTimeOffset>(13),
                reader.GetFieldValue<DateTimeOffset>(14),
                reader.NullableJson(9),
                reader.NullableJson(10),
                reader.NullableString(4),
                reader.NullableString(5),
                reader.NullableString(6),
                reader.NullableString(7),
                reader.NullableString(8),
                new RelatedProfile(profileId));
        }
    }
}

/// <param name="Types">Call types to keep (track, identify, …); null keeps all.</param>
internal sealed record EventsQuery(int Limit, EventCursor? After, bool Ascending, string[]? Include, string[]? Exclude, DateTimeOffset? Start, DateTimeOffset? End,
    string[]? Types = null);

/// <summary>Position in a timeline: the event's timestamp and insertion sequence, opaque to clients.</summary>
internal sealed record EventCursor(DateTimeOffset Timestamp, long Sequence)
{
    public string Encode() => Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Timestamp.UtcTicks}:{Sequence}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static bool TryDecode(string? text, out EventCursor? cursor)
    {
        cursor = null;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }
        try
        {
            var base64 = text.Replace('-', '+').Replace('_', '/');
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '=')));
            var parts = decoded.Split(':');
            if (parts.Length == 2 && long.TryParse(parts[0], out var ticks) && long.TryParse(parts[1], out var sequence)
                && ticks >= DateTimeOffset.MinValue.UtcTicks && ticks <= DateTimeOffset.MaxValue.UtcTicks)
            {
                cursor = new EventCursor(new DateTimeOffset(ticks, TimeSpan.Zero), sequence);
                return true;
            }
        }
        catch (FormatException)
        {
        }
        return false;
    }
}

/// <summary>One timeline event, shaped as Segment's Profile API shows it.</summary>
internal sealed record TimelineEvent(
    [property: JsonIgnore] string Cursor,
    [property: JsonPropertyName("external_ids")] IReadOnlyList<ExternalId> ExternalIds,
    [property: JsonPropertyName("context"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonElement? Context,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("message_id")] string MessageId,
    [property: JsonPropertyName("source_id")] string SourceId,
    [property: JsonPropertyName("timestamp")] DateTimeOffset Timestamp,
    [property: JsonPropertyName("received_at")] DateTimeOffset ReceivedAt,
    [property: JsonPropertyName("properties"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonElement? Properties,
    [property: JsonPropertyName("traits"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonElement? Traits,
    [property: JsonPropertyName("event"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Event,
    [property: JsonPropertyName("name"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Name,
    [property: JsonPropertyName("user_id"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? UserId,
    [property: JsonPropertyName("anonymous_id"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? AnonymousId,
    [property: JsonPropertyName("group_id"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? GroupId,
    [property: JsonPropertyName("related")] RelatedProfile Related);

internal sealed record RelatedProfile([property: JsonPropertyName("users")] Guid Users);
