using System.Text.Json;
using Alle.Contracts;
using Alle.Platform.Sql;
using Npgsql;

namespace Alle.Destinations.Privacy;

/// <summary>What Destinations holds about a member, for her access request (see <c>PrivacyApi</c>).</summary>
internal sealed class MemberDataExport(NpgsqlDataSource dataSource)
{
    public const int MaxDeliveries = 5_000;

    public async Task<MemberExport> ExportAsync(string userId, CancellationToken cancellationToken)
    {
        var subject = SubjectHashes.Of(new Identifier("user_id", userId));
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var consent = await connection.ListAsync("SELECT categories::text, updated_at FROM consent_preferences WHERE subject = $1",
            reader => new ConsentExport(JsonDocument.Parse(reader.GetString(0)).RootElement.Clone(), reader.Instant(1)), cancellationToken, subject);
        var deliveries = await connection.ListAsync("""
            SELECT d.name, q.destination_id, q.message_id, q.status, q.reason, q.attempts, q.received_at, q.finished_at, q.last_status_code, q.payload::text
            FROM deliveries q JOIN destinations d ON d.id = q.destination_id
            WHERE q.subjects @> ARRAY[$1]
            ORDER BY q.id DESC LIMIT $2
            """, reader => new DeliveryExport(reader.GetString(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3), reader.NullableString(4),
                reader.GetInt32(5), reader.Instant(6), reader.IsDBNull(7) ? null : reader.Instant(7), reader.IsDBNull(8) ? null : reader.GetInt32(8),
                reader.IsDBNull(9) ? null : JsonDocument.Parse(reader.GetString(9)).RootElement.Clone()),
            cancellationToken, subject, MaxDeliveries);
        var syncs = await connection.ListAsync("""
            SELECT d.name, s.kind, s.key, s.name, m.member, m.changed_at
            FROM sync_members m JOIN syncs s ON s.id = m.sync_id JOIN destinations d ON d.id = s.destination_id
            WHERE m.user_id = $1 ORDER BY m.changed_at DESC
            """, reader => new SyncExport(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetBoolean(4), reader.Instant(5)),
            cancellationToken, userId);
        return new MemberExport(userId, consent.SingleOrDefault(), deliveries, syncs);
    }
}

internal sealed record MemberExport(string UserId, ConsentExport? Consent, IReadOnlyList<DeliveryExport> Deliveries, IReadOnlyList<SyncExport> Syncs);

internal sealed record ConsentExport(JsonElement CategoryPreferences, DateTimeOffset UpdatedAt);

internal sealed record DeliveryExport(string Destination, Guid DestinationId, string MessageId, string Status, string? Reason, int Attempts,
    DateTimeOffset ReceivedAt, DateTimeOffset? FinishedAt, int? LastStatusCode, JsonElement? Event);

internal sealed record SyncExport(string Destination, string Kind, string Key, string Name, bool Member, DateTimeOffset ChangedAt);
