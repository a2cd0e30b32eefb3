using System.Text.Json.Nodes;
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

/// <summary>
/// Audiences' facts in the shared outbox, written in the caller's transaction and trace; a profile's facts share its
/// ordering key, by which a deletion also finds them.
/// </summary>
internal static class AudienceOutbox
{
    public static Task PublishAsync<T>(NpgsqlConnection connection, Guid? profileId, T message, DateTimeOffset now, CancellationToken cancellationToken)
        where T : class =>
        connection.AddAsync(Publication(profileId, message), now, cancellationToken);

    public static Task CallAsync(NpgsqlConnection connection, Guid? profileId, OutboxCall call, DateTimeOffset now, CancellationToken cancellationToken) =>
        connection.AddAsync(Call(profileId, call), now, cancellationToken);

    public static OutboxEntry Publication<T>(Guid? profileId, T message) where T : class => OutboxEntry.Publish(message, orderingKey: ProfileKey(profileId));

    public static OutboxEntry Call(Guid? profileId, OutboxCall call) => OutboxEntry.Track(call.ToTrackingCall(), ProfileKey(profileId));

    /// <summary>The ordering key of a profile's facts; set-based SQL writes the same as <c>'profile:' || profile_id</c>.</summary>
    public static string? ProfileKey(Guid? profileId) => profileId is { } id ? $"profile:{id}" : null;
}
