using System.Text.Json;
using System.Text.Json.Nodes;
using Alle.Audiences.Storage;
using Alle.Platform.Outbox;
using Alle.Platform.Tracking;
using Npgsql;

namespace Alle.Audiences.Outbox;

/// <summary>
/// A Tracking API call as the outbox keeps it until the relay sends it through <see cref="TrackingClient"/>. The
/// message id is chosen when the row is written, so a retried call is stored once by ingestion.
/// </summary>
internal sealed record OutboxCall(
    string Type,
    string MessageId,
    string? UserId,
    string? AnonymousId,
    string? Event,
    JsonObject? Properties,
    JsonObject? Traits,
    JsonObject? Context,
    DateTimeOffset Timestamp)
{
    /// <summary>Marks our own calls (as Segment's libraries do) so they can be told apart when they come back as profile updates.</summary>
    public const string LibraryName = "alle-audiences";

    public static JsonObject OwnContext(JsonObject? extra = null)
    {
        var context = extra ?? [];
        context["library"] = new JsonObject { ["name"] = LibraryName, ["version"] = "1.0.0" };
        return context;
    }

    public static OutboxCall Track(string messageId, string userId, string eventName, JsonObject properties, DateTimeOffset timestamp) =>
        new("track", messageId, userId, null, eventName, properties, null, OwnContext(), timestamp);

    public static OutboxCall Identify(string messageId, string? userId, string? anonymousId, JsonObject traits, DateTimeOffset timestamp, JsonObject? context = null) =>
        new("identify", messageId, userId, anonymousId, null, null, traits, OwnContext(context), timestamp);

    public TrackingCall ToTrackingCall() => Type == "track"
        ? new TrackCall(MessageId, UserId, AnonymousId, Event!, Properties, Timestamp) { Context = Context }
        : new IdentifyCall(MessageId, UserId, AnonymousId, Traits, Timestamp) { Context = Context };
}

/// <summary>Writes outbox rows in the caller's transaction and trace; <see cref="OutboxRelay"/> delivers them after commit.</summary>
internal static class OutboxWriter
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static Task PublishAsync<T>(NpgsqlConnection connection, Guid? profileId, T message, DateTimeOffset now, CancellationToken cancellationToken)
        where T : class =>
        connection.ExecuteAsync("""
            INSERT INTO outbox (profile_id, kind, message_type, message_id, payload, created_at, next_attempt_at, trace_parent)
            VALUES ($1, 'publish', $2, $3, $4, $5, $5, $6)
            """, cancellationToken,
            NpgsqlCommandExtensions.Uuid(profileId), typeof(T).Name, Guid.NewGuid().ToString(),
            NpgsqlCommandExtensions.Jsonb(JsonSerializer.Serialize(message, Json)), now, NpgsqlCommandExtensions.Text(OutboxTracing.CurrentTraceParent));

    public static Task CallAsync(NpgsqlConnection connection, Guid? profileId, OutboxCall call, DateTimeOffset now, CancellationToken cancellationToken) =>
        connection.ExecuteAsync("""
            INSERT INTO outbox (profile_id, kind, message_id, payload, created_at, next_attempt_at, trace_parent)
            VALUES ($1, 'track', $2, $3, $4, $4, $5)
            """, cancellationToken,
            NpgsqlCommandExtensions.Uuid(profileId), call.MessageId, NpgsqlCommandExtensions.Jsonb(JsonSerializer.Serialize(call, Json)), now,
            NpgsqlCommandExtensions.Text(OutboxTracing.CurrentTraceParent));
}
