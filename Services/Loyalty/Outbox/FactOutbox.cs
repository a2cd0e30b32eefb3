using System.Text.Json;
using Alle.Platform.Outbox;
using Alle.Platform.Tracking;
using Npgsql;

namespace Alle.Loyalty.Outbox;

/// <summary>
/// Writes business facts to the outbox inside the caller's transaction and trace: track and identify calls for the Tracking API
/// (userId = member id) and integration events for the bus. Each fact has a deterministic message id (from its natural
/// key), so writing it twice keeps one row and a resend after a failure is stored once by ingestion. A member's facts
/// are delivered in the order they were written.
/// </summary>
internal static class FactOutbox
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <param name="factKey">The fact's natural key, e.g. <c>points-earned:{purchaseId}</c>.</param>
    public static Task TrackAsync(this NpgsqlTransaction transaction, string factKey, string memberId, string eventName, object properties, DateTimeOffset at, CancellationToken cancellationToken) =>
        WriteAsync(transaction, OutboxEntry.Track(new TrackCall($"loyalty-{factKey}", memberId, AnonymousId: null, eventName, properties, at), MemberKey(memberId)), at, cancellationToken);

    /// <summary>An identify call with the member's traits; each is its own fact (traits change over time).</summary>
    public static Task IdentifyAsync(this NpgsqlTransaction transaction, string memberId, IReadOnlyDictionary<string, object?> traits, DateTimeOffset at, CancellationToken cancellationToken) =>
        WriteAsync(transaction, OutboxEntry.Track(new IdentifyCall($"loyalty-identify-{memberId}-{Guid.CreateVersion7(at):N}", memberId, AnonymousId: null, traits, at),
            MemberKey(memberId)), at, cancellationToken);

    /// <summary>An integration event from <c>Alle.Contracts</c>, published on the bus by the relay.</summary>
    public static Task PublishAsync<T>(this NpgsqlTransaction transaction, string factKey, T message, string? memberId, DateTimeOffset at, CancellationToken cancellationToken) where T : class =>
        WriteAsync(transaction, OutboxEntry.Publish(message, $"bus-{factKey}", memberId is null ? null : MemberKey(memberId)), at, cancellationToken);

    /// <summary>The ordering key of a member's facts, by which a deletion also finds them.</summary>
    public static string MemberKey(string memberId) => $"member:{memberId}";

    private static Task WriteAsync(NpgsqlTransaction transaction, OutboxEntry entry, DateTimeOffset at, CancellationToken cancellationToken) =>
        transaction.Connection!.AddAsync(entry, at, cancellationToken);
}
