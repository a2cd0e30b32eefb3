using System.Text.Json;
using Alle.Messaging.Consent;
using Alle.Messaging.Sending;
using Npgsql;

namespace Alle.Messaging.Privacy;

internal sealed record ExportedMessage(Guid Id, string To, string Category, string Purpose, string Body, string Encoding, int Segments, string Status,
    string? SkipReason, DateTimeOffset NotBefore, int? ErrorCode, Guid? JourneyId, DateTimeOffset CreatedAt, IReadOnlyList<MessageStatusEntry> History);

internal sealed record ExportedInbound(string MessageSid, string From, string Body, string? Keyword, DateTimeOffset ReceivedAt);

internal sealed record ExportedJourneyEntry(Guid Id, Guid JourneyId, string JourneyName, string Status, string? SkipReason, DateTimeOffset EnteredAt,
    DateTimeOffset SendAt, Guid? MessageId, string? CouponCode, JsonElement? TriggerProperties);

internal sealed record ExportedConsent(string Phone, IReadOnlyList<ConsentRecord> Current, IReadOnlyList<ConsentAuditEntry> Audit);

/// <param name="Phones">The numbers this service holds data under for her (her enrolment's, and those Profiles knows).</param>
internal sealed record MessagingExport(string UserId, IReadOnlyList<string> Phones, IReadOnlyList<ExportedConsent> Consent, IReadOnlyList<ExportedMessage> Messages,
    IReadOnlyList<ExportedInbound> InboundTexts, IReadOnlyList<ExportedJourneyEntry> JourneyEntries, int SignInCodesRequested);

/// <summary>
/// What this service holds about one member, for her access request: consent with its evidence and audit trail,
/// the texts sent to her (sign-in codes as masked as the log keeps them) with their status history, her texts to us,
/// and her journey entries. Sign-in codes themselves exist only as hashes: they are counted, never listed.
/// </summary>
internal sealed class PersonalDataExport(NpgsqlDataSource dataSource, ConsentStore consent)
{
    public async Task<MessagingExport> ExportAsync(string userId, IReadOnlyList<string> knownPhones, CancellationToken cancellationToken)
    {
        var phones = knownPhones.ToList();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var enrolled = new NpgsqlCommand("SELECT phone FROM members WHERE member_id = $1", connection))
        {
            enrolled.Parameters.AddWithValue(userId);
            await using var reader = await enrolled.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                if (!phones.Contains(reader.GetString(0)))
                {
                    phones.Add(reader.GetString(0));
                }
            }
        }

        var consents = new List<ExportedConsent>();
        foreach (var phone in phones)
        {
            var (current, audit) = await consent.ReadAsync(phone, cancellationToken);
            consents.Add(new ExportedConsent(phone, current, audit));
        }

        var messages = new List<(MessageRow Row, List<MessageStatusEntry> History)>();
        await using (var command = new NpgsqlCommand($"""
            SELECT {MessageStore.Columns} FROM messages WHERE user_id = $1 OR to_phone = ANY($2) ORDER BY created_at DESC LIMIT 5000
            """, connection))
        {
            command.Parameters.AddWithValue(userId);
            command.Parameters.AddWithValue(phones.ToArray());
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                messages.Add((MessageStore.Read(reader), []));
            }
        }
        var byId = messages.ToDictionary(m => m.Row.Id, m => m.History);
        await using (var history = new NpgsqlCommand("SELECT message_id, status, error_code, detail, at FROM message_events WHERE message_id = ANY($1) ORDER BY at, status", connection))
        {
            history.Parameters.AddWithValue(byId.Keys.ToArray());
            await using var reader = await history.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                byId[reader.GetGuid(0)].Add(new MessageStatusEntry(reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetInt32(2),
                    reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetFieldValue<DateTimeOffset>(4)));
            }
        }

        var inbound = new List<ExportedInbound>();
        await using (var command = new NpgsqlCommand(
            "SELECT message_sid, from_phone, body, keyword, received_at FROM inbound_messages WHERE from_phone = ANY($1) OR user_id = $2 ORDER BY received_at DESC", connection))
        {
            command.Parameters.AddWithValue(phones.ToArray());
            command.Parameters.AddWithValue(userId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                inbound.Add(new ExportedInbound(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                    reader.GetFieldValue<DateTimeOffset>(4)));
            }
        }

        var entries = new List<ExportedJourneyEntry>();
        await using (var command = new NpgsqlCommand("""
            SELECT e.id, e.journey_id, j.name, e.status, e.skip_reason, e.entered_at, e.due_at, e.message_id, e.coupon_code, e.trigger_properties::text
            FROM journey_entries e JOIN journeys j ON j.id = e.journey_id WHERE e.user_id = $1 ORDER BY e.entered_at DESC
            """, connection))
        {
            command.Parameters.AddWithValue(userId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                entries.Add(new ExportedJourneyEntry(reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3),
                    reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetFieldValue<DateTimeOffset>(5), reader.GetFieldValue<DateTimeOffset>(6),
                    reader.IsDBNull(7) ? null : reader.GetGuid(7), reader.IsDBNull(8) ? null : reader.GetString(8),
                    reader.IsDBNull(9) ? null : JsonDocument.Parse(reader.GetString(9)).RootElement.Clone()));
            }
        }

        int codes;
        await using (var command = new NpgsqlCommand("SELECT count(*)::int FROM verifications WHERE phone = ANY($1)", connection))
        {
            command.Parameters.AddWithValue(phones.ToArray());
            codes = (int)(await command.ExecuteScalarAsync(cancellationToken))!;
        }

        return new MessagingExport(userId, phones, consents,
            [.. messages.Select(m => new ExportedMessage(m.Row.Id, m.Row.To, ConsentCategory.Of(m.Row.Category), m.Row.Purpose, m.Row.Body, m.Row.Encoding,
                m.Row.Segments, m.Row.Status, m.Row.SkipReason, m.Row.NotBefore, m.Row.ErrorCode, m.Row.JourneyId, m.Row.CreatedAt, m.History))],
            inbound, entries, codes);
    }
}
