using System.Text.Json;
using Alle.Platform.Outbox;
using Alle.Platform.Tracking;
using Npgsql;
using NpgsqlTypes;

namespace Alle.Loyalty.Outbox;

/// <summary>
/// Writes business facts to the outbox inside the caller's transaction and trace: track and identify calls for the Tracking API
/// (userId = member id) and integration events for the bus. Each fact has a deterministic message id (from its natural
/// key), so writing it twice keeps one row and a resend after a failure is stored once by ingestion.
/// </summary>
internal static class FactOutbox
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public const string TrackKind = "track";
    public const string IdentifyKind = "identify";
    public const string PublishKind = "publish";

    /// <param name="factKey">The fact's natural key, e.g. <c>points-earned:{purchaseId}</c>.</param>
    public static Task TrackAsync(this NpgsqlTransaction transaction, string factKey, string memberId, string eventName, object properties, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var messageId = $"loyalty-{factKey}";
        var call = new TrackCall(messageId, memberId, AnonymousId: null, eventName, properties, at);
        return WriteAsync(transaction, messageId, TrackKind, memberId, messageType: null, JsonSerializer.Serialize(call, Json), at, cancellationToken);
    }

    /// <summary>An identify call with the member's traits; each is its own fact (traits change over time).</summary>
    public static Task IdentifyAsync(this NpgsqlTransaction transaction, string memberId, IReadOnlyDictionary<string, object?> traits, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var messageId = $"loyalty-identify-{memberId}-{Guid.CreateVersion7(at):N}";
        var call = new IdentifyCall(messageId, memberId, AnonymousId: null, traits, at);
        return WriteAsync(transaction, messageId, IdentifyKind, memberId, messageType: null, JsonSerializer.Serialize(call, Json), at, cancellationToken);
    }

    /// <summary>An integration event from <c>Alle.Contracts</c>, published on the bus by the relay.</summary>
    public static Task PublishAsync<T>(this NpgsqlTransaction transaction, string factKey, T message, string? memberId, DateTimeOffset at, CancellationToken cancellationToken) where T : class
        => WriteAsync(transaction, $"bus-{factKey}", PublishKind, memberId, typeof(T).FullName, JsonSerializer.Serialize(message, Json), at, cancellationToken);

    private static async Task WriteAsync(NpgsqlTransaction transaction, string messageId, string kind, string? memberId, string? messageType, string payload, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            INSERT INTO outbox (message_id, kind, member_id, message_type, payload, created_at, next_attempt_at, trace_parent)
            VALUES ($1, $2, $3, $4, $5, $6, $6, $7)
            ON CONFLICT (message_id) DO NOTHING
            """, transaction.Connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = messageId });
        command.Parameters.Add(new NpgsqlParameter { Value = kind });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)memberId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)messageType ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = payload, NpgsqlDbType = NpgsqlDbType.Jsonb });
        command.Parameters.Add(new NpgsqlParameter { Value = at });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)OutboxTracing.CurrentTraceParent ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
