using System.Text.Json;
using System.Text.Json.Nodes;
using Alle.Contracts;
using Alle.Destinations.Configuration;
using Alle.Destinations.Consent;
using Alle.Destinations.Delivery;
using Alle.Destinations.Privacy;
using Alle.Platform.Identifiers;
using Alle.Platform.Sql;
using Alle.Platform.Workers;
using Npgsql;
using NpgsqlTypes;

namespace Alle.Destinations.Intake;

/// <summary>
/// Puts events into the destinations' queues in one transaction: the catalog as of now, each person's latest consent
/// (what the events carry updates what is stored), the <see cref="EnqueuePlanner"/>'s decisions, and the queue rows —
/// under the shared subjects lock, so a suppression or deletion committing meanwhile is never missed. Nothing here
/// calls a destination: a slow one only makes its own queue longer.
/// </summary>
internal sealed class DeliveryIntake(
    NpgsqlDataSource dataSource,
    CatalogStore catalogs,
    SubjectIdentifiers identifiers,
    WorkSignal<DeliveryWorker> deliverySignal,
    TimeProvider clock)
{
    public IncomingEvent FromTracked(TrackedEvent call) =>
        new(SegmentPayload.From(call), call.MessageId, SubjectHashes.Of(identifiers.Of(call)), SubjectHashes.OfUser(call.UserId, call.AnonymousId),
            call.ReceivedAt, call.Timestamp);

    public static IncomingEvent FromSync(JsonObject call, string userId, IEnumerable<Identifier> knownIdentifiers, DateTimeOffset at, DateTimeOffset now) =>
        new(call, call["messageId"]!.GetValue<string>(), SubjectHashes.Of([new Identifier("user_id", userId), .. knownIdentifiers]),
            SubjectHashes.OfUser(userId, null), now, at);

    /// <summary>Queues each event for the destinations <paramref name="targets"/> names in the current catalog, in a transaction of its own.</summary>
    public async Task AcceptAsync(IReadOnlyList<IncomingEvent> events, Func<Catalog, IncomingEvent, IReadOnlyList<Destination>> targets,
        CancellationToken cancellationToken)
    {
        if (events.Count == 0)
        {
            return;
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var catalog = await catalogs.GetAsync(connection, cancellationToken);
        var queued = await AcceptAsync(connection, catalog, events, targets, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        Committed(queued);
    }

    /// <summary>Wakes the delivery worker once the caller's transaction that queued work has committed.</summary>
    public void Committed(bool queued)
    {
        if (queued)
        {
            deliverySignal.Notify();
        }
    }

    /// <summary>Queues the events inside the caller's transaction; answers whether any delivery is now pending.</summary>
    public async Task<bool> AcceptAsync(NpgsqlConnection connection, Catalog catalog, IReadOnlyList<IncomingEvent> events,
        Func<Catalog, IncomingEvent, IReadOnlyList<Destination>> targets, CancellationToken cancellationToken)
    {
        var routed = events.Select(e => (Event: e, Destinations: targets(catalog, e))).ToList();
        var carryingConsent = routed.Where(r => r.Event.Person is not null && ConsentDecision.Preferences(r.Event.Event) is not null).ToList();
        if (carryingConsent.Count == 0 && routed.All(r => r.Destinations.Count == 0))
        {
            return false;
        }
        await DeliveryQueue.LockSubjectsSharedAsync(connection, cancellationToken);

        // Consent, in event time: an event without a consent object is judged by the latest preference known at that moment.
        var needed = routed.Where(r => r.Event.Person is not null && r.Destinations.Any(d => d.Definition.ConsentCategories.Count > 0))
            .Select(r => r.Event.Person!).Concat(carryingConsent.Select(r => r.Event.Person!)).Distinct(StringComparer.Ordinal).ToArray();
        var known = await LoadConsentAsync(connection, needed, cancellationToken);
        var changed = new Dictionary<string, (IReadOnlyDictionary<string, bool> Categories, DateTimeOffset At)>(StringComparer.Ordinal);
        var planned = new List<PlannedDelivery>();
        foreach (var (incoming, destinations) in routed.OrderBy(r => r.Event.Timestamp))
        {
            if (incoming.Person is { } person && ConsentDecision.Preferences(incoming.Event) is { } preferences
                && (!known.TryGetValue(person, out var current) || current.At <= incoming.Timestamp))
            {
                known[person] = changed[person] = (preferences, incoming.Timestamp);
            }
            var stored = incoming.Person is not null && known.TryGetValue(incoming.Person, out var consent) ? consent.Categories : null;
            planned.AddRange(EnqueuePlanner.Plan(incoming, destinations, stored));
        }

        await SaveConsentAsync(connection, changed, cancellationToken);
        return (await DeliveryQueue.EnqueueAsync(connection, planned, clock.GetUtcNow(), cancellationToken)).Count > 0;
    }

    private static async Task<Dictionary<string, (IReadOnlyDictionary<string, bool> Categories, DateTimeOffset At)>> LoadConsentAsync(
        NpgsqlConnection connection, string[] subjects, CancellationToken cancellationToken)
    {
        if (subjects.Length == 0)
        {
            return new(StringComparer.Ordinal);
        }
        var rows = await connection.ListAsync("SELECT subject, categories::text, updated_at FROM consent_preferences WHERE subject = ANY($1)",
            reader => (Subject: reader.GetString(0), Categories: JsonSerializer.Deserialize<Dictionary<string, bool>>(reader.GetString(1))!, At: reader.Instant(2)),
            cancellationToken, (object)subjects);
        return rows.ToDictionary(r => r.Subject, r => ((IReadOnlyDictionary<string, bool>)r.Categories, r.At), StringComparer.Ordinal);
    }

    private static async Task SaveConsentAsync(NpgsqlConnection connection, Dictionary<string, (IReadOnlyDictionary<string, bool> Categories, DateTimeOffset At)> changed,
        CancellationToken cancellationToken)
    {
        if (changed.Count == 0)
        {
            return;
        }
        await connection.ExecuteAsync("""
            INSERT INTO consent_preferences (subject, categories, updated_at)
            SELECT * FROM unnest($1::text[], $2::jsonb[], $3::timestamptz[])
            ON CONFLICT (subject) DO UPDATE SET categories = EXCLUDED.categories, updated_at = EXCLUDED.updated_at
            WHERE consent_preferences.updated_at <= EXCLUDED.updated_at
            """, cancellationToken,
            changed.Keys.ToArray(),
            new NpgsqlParameter { Value = changed.Values.Select(v => JsonSerializer.Serialize(v.Categories)).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb },
            DeliveryQueue.Array(changed.Values.Select(v => v.At.ToUniversalTime()), NpgsqlDbType.TimestampTz));
    }
}
