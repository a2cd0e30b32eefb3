using System.Security.Cryptography;
using System.Text;
using Alle.Messaging.Consent;
using Alle.Messaging.Extensions;
using Alle.Messaging.Integrations;
using Alle.Messaging.Sending;
using Alle.Platform.Outbox;
using Alle.Platform.Tracking;
using Alle.Platform.Workers;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Alle.Messaging.Inbound;

internal sealed record InboundMessage(string MessageSid, string From, string To, string Body);

/// <summary>
/// A text someone sent us: recorded once (Twilio may repeat a webhook), consent keywords applied with their evidence,
/// the reply (if any) returned for Twilio to send as TwiML, and an <c>SMS Received</c> event put on the person's timeline.
/// </summary>
internal sealed class InboundMessageHandler(
    NpgsqlDataSource dataSource,
    ProfilesClient profiles,
    WorkSignal<OutboxRelay> outboxSignal,
    IOptions<MessagingOptions> options,
    TimeProvider clock,
    ILogger<InboundMessageHandler> logger)
{
    /// <summary>The reply to text back, or null for none (also for a repeated webhook: one confirmation only).</summary>
    public async Task<string?> HandleAsync(InboundMessage message, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var action = ConsentKeywords.Classify(message.Body);
        var userId = await FindUserIdAsync(message.From, cancellationToken);

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO inbound_messages (message_sid, from_phone, to_phone, body, keyword, user_id, received_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING
            """, connection, transaction))
        {
            insert.Parameters.AddWithValue(message.MessageSid);
            insert.Parameters.AddWithValue(message.From);
            insert.Parameters.AddWithValue(message.To);
            insert.Parameters.AddWithValue(message.Body);
            insert.Parameters.AddWithValue(action == KeywordAction.None ? DBNull.Value : ConsentKeywords.Normalize(message.Body)!);
            insert.Parameters.AddWithValue((object?)userId ?? DBNull.Value);
            insert.Parameters.AddWithValue(now);
            if (await insert.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                logger.LogInformation("Inbound message {MessageSid} already handled", message.MessageSid);
                return null;
            }
        }

        if (action is KeywordAction.OptOut or KeywordAction.OptIn)
        {
            var marketingHistory = await ReadMarketingHistoryAsync(connection, transaction, message.From, cancellationToken);
            var evidence = $"SMS \"{ConsentKeywords.Normalize(message.Body)}\" ({message.MessageSid})";
            await ConsentStore.ApplyAsync(connection, transaction,
                KeywordConsent.ChangesFor(action, message.From, marketingHistory, evidence, now, "inbound:" + message.MessageSid), cancellationToken);
        }

        // Twilio sends the TwiML reply as we write it: smart-encoded, like everything we text.
        var reply = ReplyFor(action) is { } written ? SmartEncoding.Apply(written).Text : null;
        if (reply is not null)
        {
            var (replyId, _) = await MessageStore.EnqueueAsync(connection, transaction,
                new OutgoingMessage($"reply:{message.MessageSid}", message.From, reply, MessageCategory.Transactional, userId, Purpose: "keyword_reply"),
                now, cancellationToken);
            // Twilio sends a TwiML reply itself, consent aside: the log records it as sent rather than queueing it for the dispatcher.
            await MessageStore.TransitionAsync(connection, transaction, replyId, MessageStatus.Sent, now, cancellationToken);
        }

        await connection.AddAsync(OutboxEntry.Track(SmsReceived(message, userId, action, now)), now, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        outboxSignal.Notify();
        logger.LogInformation("Inbound message {MessageSid} handled as {Action}", message.MessageSid, action);
        return reply;
    }

    private string? ReplyFor(KeywordAction action) => action switch
    {
        KeywordAction.OptOut => string.Format(System.Globalization.CultureInfo.InvariantCulture, options.Value.StopReply, options.Value.ProgramName),
        KeywordAction.OptIn => string.Format(System.Globalization.CultureInfo.InvariantCulture, options.Value.StartReply, options.Value.ProgramName),
        KeywordAction.Help => string.Format(System.Globalization.CultureInfo.InvariantCulture, options.Value.HelpReply, options.Value.ProgramName),
        _ => null,
    };

    /// <summary>The number's marketing consent changes, newest first; the consent rows are locked so keywords apply one at a time.</summary>
    private static async Task<IReadOnlyList<ConsentAuditEntry>> ReadMarketingHistoryAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        string phone, CancellationToken cancellationToken)
    {
        await using (var lockRows = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext('consent:' || $1))", connection, transaction))
        {
            lockRows.Parameters.AddWithValue(phone);
            await lockRows.ExecuteNonQueryAsync(cancellationToken);
        }
        await using var command = new NpgsqlCommand("""
            SELECT category, subscribed, source, evidence, at FROM consent_audit
            WHERE phone = $1 AND category = 'marketing' ORDER BY at DESC, id DESC LIMIT 50
            """, connection, transaction);
        command.Parameters.AddWithValue(phone);
        var history = new List<ConsentAuditEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            history.Add(new ConsentAuditEntry(reader.GetString(0), reader.GetBoolean(1), reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetFieldValue<DateTimeOffset>(4)));
        }
        return history;
    }

    /// <summary>The member behind a number: Profiles first, then the enrolments we saw; null when unknown or Profiles is down.</summary>
    private async Task<string?> FindUserIdAsync(string phone, CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            if ((await profiles.FindByPhoneAsync(phone, timeout.Token))?.UserId is { } userId)
            {
                return userId;
            }
        }
        catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException or System.Text.Json.JsonException)
        {
            logger.LogInformation("Profiles look-up unavailable for an inbound message: {Message}", exception.Message);
        }
        await using var command = dataSource.CreateCommand("SELECT member_id FROM members WHERE phone = $1 ORDER BY enrolled_at DESC LIMIT 1");
        command.Parameters.Add(new NpgsqlParameter { Value = phone });
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    /// <summary>
    /// The timeline event: the phone as a Segment external id (Profiles resolves it to the person), the user id when known,
    /// otherwise a stable anonymous id derived from the number.
    /// </summary>
    internal static TrackCall SmsReceived(InboundMessage message, string? userId, KeywordAction action, DateTimeOffset at) =>
        new($"sms-received-{message.MessageSid}", userId, userId is null ? AnonymousId(message.From) : null, "SMS Received",
            new Dictionary<string, object?>
            {
                ["messageSid"] = message.MessageSid,
                ["body"] = message.Body,
                ["keyword"] = action == KeywordAction.None ? null : ConsentKeywords.Normalize(message.Body),
                ["to"] = message.To,
            },
            at)
        {
            Context = new Dictionary<string, object?>
            {
                ["externalIds"] = new[] { new Dictionary<string, string> { ["id"] = message.From, ["type"] = "phone", ["collection"] = "users", ["encoding"] = "none" } },
                ["traits"] = new Dictionary<string, string> { ["phone"] = message.From },
            },
        };

    private static string AnonymousId(string phone) => "sms-" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(phone)))[..24].ToLowerInvariant();
}
