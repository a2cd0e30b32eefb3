using Alle.Messaging.Sending;
using Alle.Platform.Sql;
using Npgsql;
using NpgsqlTypes;

namespace Alle.Messaging.Log;

/// <summary>What an operator searches the log by; every part optional. <see cref="To"/> is exclusive.</summary>
internal sealed record MessageSearch(
    string? UserId = null, string? Phone = null, Guid? JourneyId = null, string? Status = null, DateTimeOffset? From = null, DateTimeOffset? To = null);

internal sealed record InboundRow(string MessageSid, string From, string To, string Body, string? Keyword, string? UserId, DateTimeOffset ReceivedAt);

/// <summary>How many texts a search finds per status and encoding, and their segments.</summary>
internal sealed record MessageTally(string Status, string Encoding, long Messages, long Segments);

/// <summary>
/// The message log as operators read it: texts we sent and texts members sent us, searched and paged newest first by
/// keyset (time, id), so a page never shifts when new texts arrive; and the totals of a search.
/// </summary>
internal sealed class MessageLog(NpgsqlDataSource dataSource)
{
    private const string Filters = """
        ($1::text IS NULL OR user_id = $1) AND ($2::text IS NULL OR to_phone = $2) AND ($3::uuid IS NULL OR journey_id = $3)
        AND ($4::text IS NULL OR status = $4) AND ($5::timestamptz IS NULL OR created_at >= $5) AND ($6::timestamptz IS NULL OR created_at < $6)
        """;

    public async Task<LogPage<MessageRow>> SearchAsync(MessageSearch search, LogCursor? cursor, DateTimeOffset? before, int limit, CancellationToken cancellationToken)
    {
        var (keyset, order) = Keyset(cursor, "created_at", "id", 8);
        var rows = await dataSource.Command($"""
            SELECT {MessageStore.Columns} FROM messages
            WHERE {Filters} AND ($7::timestamptz IS NULL OR created_at < $7) AND {keyset}
            ORDER BY created_at {order}, id {order} LIMIT $10
            """, [.. FilterValues(search), Instant(before), Instant(cursor?.At), Sql.Uuid(cursor is { } c ? Guid.Parse(c.Key) : null), limit + 1])
            .ListAsync(MessageStore.Read, cancellationToken);
        return LogPage<MessageRow>.From(rows, limit, cursor, row => (row.CreatedAt, row.Id.ToString()));
    }

    public Task<List<MessageTally>> TallyAsync(MessageSearch search, CancellationToken cancellationToken) =>
        dataSource.Command($"""
            SELECT status, encoding, count(*), coalesce(sum(segments), 0)::bigint FROM messages WHERE {Filters}
            GROUP BY status, encoding ORDER BY status, encoding
            """, FilterValues(search))
            .ListAsync(reader => new MessageTally(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3)), cancellationToken);

    public async Task<LogPage<InboundRow>> InboundAsync(string? phone, string? userId, DateTimeOffset? from, DateTimeOffset? to, LogCursor? cursor, int limit,
        CancellationToken cancellationToken)
    {
        var (keyset, order) = Keyset(cursor, "received_at", "message_sid", 6);
        var rows = await dataSource.Command($"""
            SELECT message_sid, from_phone, to_phone, body, keyword, user_id, received_at FROM inbound_messages
            WHERE ($1::text IS NULL OR from_phone = $1) AND ($2::text IS NULL OR user_id = $2)
              AND ($3::timestamptz IS NULL OR received_at >= $3) AND ($4::timestamptz IS NULL OR received_at < $4)
              AND {keyset}
            ORDER BY received_at {order}, message_sid {order} LIMIT $5
            """, Sql.Text(phone), Sql.Text(userId), Instant(from), Instant(to), limit + 1, Instant(cursor?.At), Sql.Text(cursor?.Key))
            .ListAsync(reader => new InboundRow(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.NullableString(4),
                reader.NullableString(5), reader.Instant(6)), cancellationToken);
        return LogPage<InboundRow>.From(rows, limit, cursor, row => (row.ReceivedAt, row.MessageSid));
    }

    /// <summary>The condition on the cursor's parameters (from <paramref name="first"/>) that keeps rows past it, and the order to read them in.</summary>
    private static (string Condition, string Order) Keyset(LogCursor? cursor, string time, string key, int first) => cursor switch
    {
        null => ("true", "DESC"),
        { Newer: true } => ($"({time}, {key}) > (${first}, ${first + 1})", "ASC"),
        _ => ($"({time}, {key}) < (${first}, ${first + 1})", "DESC"),
    };

    private static object?[] FilterValues(MessageSearch search) =>
        [Sql.Text(search.UserId), Sql.Text(search.Phone), Sql.Uuid(search.JourneyId), Sql.Text(search.Status), Instant(search.From), Instant(search.To)];

    private static NpgsqlParameter Instant(DateTimeOffset? value) =>
        new() { Value = value is { } at ? at.ToUniversalTime() : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz };
}
