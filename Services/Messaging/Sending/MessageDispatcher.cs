using Alle.Messaging.Consent;
using Alle.Messaging.Extensions;
using Alle.Messaging.Integrations;
using Alle.Messaging.Twilio;
using Alle.Platform.Outbox;
using Alle.Platform.Workers;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Alle.Messaging.Sending;


/// <summary>
/// Sends due messages. Each message is claimed in a transaction (skipping rows another replica holds), checked against
/// consent, quiet hours and the frequency cap at that moment, and marked <c>sending</c> — committed — before Twilio is
/// called. A message found <c>sending</c> is never sent again: Twilio's status callback (which carries our message id)
/// reconciles it, and one that stays silent is eventually marked failed as unconfirmed.
/// </summary>
internal sealed class MessageDispatcher(
    NpgsqlDataSource dataSource,
    ConsentStore consent,
    FrequencyCapCounter frequencyCap,
    MessageSeal seal,
    SenderThrottle throttle,
    IOptions<TwilioOptions> twilioOptions,
    IServiceScopeFactory scopes,
    WorkSignal<MessageDispatcher> signal,
    WorkSignal<OutboxRelay> outboxSignal,
    IOptions<MessagingOptions> options,
    TimeProvider clock,
    ILogger<MessageDispatcher> logger) : BackgroundService
{
    private static readonly TimeSpan s_poll = TimeSpan.FromSeconds(1);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, Math.Max(1, options.Value.DispatchConcurrency)).Select(_ => RunLoopAsync(stoppingToken)));

    private async Task RunLoopAsync(CancellationToken stoppingToken)
    {
        var lastSweep = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (clock.GetUtcNow() - lastSweep > TimeSpan.FromMinutes(1))
                {
                    lastSweep = clock.GetUtcNow();
                    await FailUnconfirmedAsync(stoppingToken);
                }
                if (await DispatchNextAsync(stoppingToken))
                {
                    // More may be due: wake a sleeping loop, which wakes the next, so a burst is sent by every loop at once.
                    signal.Notify();
                    continue;
                }
            }
            catch (Exception exception) when (exception is NpgsqlException or TimeoutException or HttpRequestException)
            {
                logger.LogWarning(exception, "Dispatch pass failed; retrying");
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            await signal.WaitAsync(s_poll, clock, stoppingToken);
        }
    }

    /// <summary>Claims and handles one due message; false when none is due.</summary>
    public async Task<bool> DispatchNextAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        MessageRow? toSend;
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            MessageRow? due;
            await using (var claim = new NpgsqlCommand($"""
                SELECT {MessageStore.Columns} FROM messages
                WHERE status IN ('pending', 'deferred') AND not_before <= $1
                ORDER BY not_before LIMIT 1 FOR UPDATE SKIP LOCKED
                """, connection, transaction))
            {
                claim.Parameters.AddWithValue(now);
                await using var reader = await claim.ExecuteReaderAsync(cancellationToken);
                due = await reader.ReadAsync(cancellationToken) ? MessageStore.Read(reader) : null;
            }
            if (due is null)
            {
                return false;
            }

            toSend = await DecideAsync(connection, transaction, due, now, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        outboxSignal.Notify();

        if (toSend is not null)
        {
            await SendAsync(toSend, cancellationToken);
        }
        return true;
    }

    /// <summary>Applies the send-time rules; returns the message when it is now `sending` and must go to Twilio.</summary>
    private async Task<MessageRow?> DecideAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, MessageRow message, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var state = await consent.GetStateAsync(message.To, cancellationToken);
        var zone = message.Category == MessageCategory.Marketing ? await RecipientZoneAsync(message, cancellationToken) : TimeZoneInfo.Utc;
        var quietHours = new QuietHours(options.Value.QuietHoursStart, options.Value.QuietHoursEnd);
        switch (SendPolicy.Decide(message.Category, state, now, zone, quietHours))
        {
            case SendDecision.Skip skip:
                await MessageStore.TransitionAsync(connection, transaction, message.Id, MessageStatus.Skipped, now, cancellationToken, skipReason: skip.Reason);
                logger.LogInformation("Message {MessageId} skipped: {Reason}", message.Id, skip.Reason);
                return null;
            case SendDecision.Defer defer:
                await MessageStore.TransitionAsync(connection, transaction, message.Id, MessageStatus.Deferred, now, cancellationToken,
                    skipReason: "quiet_hours", notBefore: defer.Until);
                logger.LogInformation("Message {MessageId} deferred to {NotBefore} (quiet hours)", message.Id, defer.Until);
                return null;
        }

        // The sender's pace is waited for before the message is marked `sending`, not after: a crash then loses at most
        // the requests already on their way to Twilio, never a queue of messages waiting for their turn. (Before the cap
        // is reserved, so a shutdown while waiting leaves no reservation behind.)
        await throttle.WaitAsync(twilioOptions.Value.Sender, cancellationToken);
        if (message.Category == MessageCategory.Marketing
            && !await frequencyCap.TryReserveAsync(connection, transaction, CapKey(message), message.Id, now, cancellationToken))
        {
            await MessageStore.TransitionAsync(connection, transaction, message.Id, MessageStatus.Skipped, now, cancellationToken,
                skipReason: SendPolicy.Reasons.FrequencyCap);
            logger.LogInformation("Message {MessageId} skipped: frequency cap", message.Id);
            return null;
        }
        return await MessageStore.TransitionAsync(connection, transaction, message.Id, MessageStatus.Sending, clock.GetUtcNow(), cancellationToken);
    }

    private async Task SendAsync(MessageRow message, CancellationToken cancellationToken)
    {
        // A sealed body (a sign-in code) goes out as sealed; the log only ever had it masked.
        var text = message.SealedBody is { } sealedBody ? seal.Open(message.Id, sealedBody) : message.Body;
        TwilioSendResult result;
        if (text is null)
        {
            result = new TwilioSendResult.Rejected(0, "sealed body unreadable", TwilioOutcome.Rejected);
        }
        else
        {
            await using var scope = scopes.CreateAsyncScope();
            var twilio = scope.ServiceProvider.GetRequiredService<TwilioSender>();
            result = await twilio.SendAsync(message.To, text, StatusCallbackUrl(message.Id), cancellationToken);
        }

        var now = clock.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(CancellationToken.None);
        await using var transaction = await connection.BeginTransactionAsync(CancellationToken.None);
        switch (result)
        {
            case TwilioSendResult.Accepted accepted:
                await MessageStore.TransitionAsync(connection, transaction, message.Id, MessageStatus.Queued, now, CancellationToken.None, providerSid: accepted.Sid);
                logger.LogInformation("Message {MessageId} accepted by Twilio as {Sid}", message.Id, accepted.Sid);
                break;
            case TwilioSendResult.Rejected rejected:
                await MessageStore.TransitionAsync(connection, transaction, message.Id, MessageStatus.Failed, now, CancellationToken.None,
                    errorCode: rejected.Code, errorMessage: rejected.Outcome.ToString());
                if (message.Category == MessageCategory.Marketing)
                {
                    await frequencyCap.ReleaseAsync(connection, transaction, CapKey(message), message.Id, CancellationToken.None);
                }
                if (TwilioErrors.MeansOptedOut(rejected.Code))
                {
                    await ConsentStore.ApplyAsync(connection, transaction, CarrierOptOut(message.To, now, rejected.Code), CancellationToken.None);
                }
                logger.LogWarning("Message {MessageId} refused by Twilio: {Code} ({Outcome})", message.Id, rejected.Code, rejected.Outcome);
                break;
            case TwilioSendResult.Unavailable unavailable when message.Attempts < 5:
                var retryAt = now + TimeSpan.FromSeconds(Math.Pow(2, message.Attempts) * 5);
                await MessageStore.RescheduleAsync(connection, transaction, message.Id, retryAt, now, CancellationToken.None);
                if (message.Category == MessageCategory.Marketing)
                {
                    await frequencyCap.ReleaseAsync(connection, transaction, CapKey(message), message.Id, CancellationToken.None);
                }
                logger.LogWarning("Twilio unavailable ({Status}) for message {MessageId}; retrying at {RetryAt}", unavailable.StatusCode, message.Id, retryAt);
                break;
            case TwilioSendResult.Unavailable unavailable:
                await MessageStore.TransitionAsync(connection, transaction, message.Id, MessageStatus.Failed, now, CancellationToken.None,
                    errorMessage: $"provider unavailable ({unavailable.StatusCode})");
                break;
            case TwilioSendResult.Unknown unknown:
                // It may have been sent: leave it `sending` for the status callback to settle.
                logger.LogWarning("Outcome of message {MessageId} unknown ({Reason}); awaiting Twilio's callback", message.Id, unknown.Reason);
                break;
        }
        await transaction.CommitAsync(CancellationToken.None);
        outboxSignal.Notify();
    }

    /// <summary>Messages Twilio never confirmed (no SID, no callback) are failed as unconfirmed, never resent.</summary>
    private async Task FailUnconfirmedAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var stale = new List<Guid>();
        await using (var find = new NpgsqlCommand("""
            SELECT id FROM messages WHERE status = 'sending' AND provider_sid IS NULL AND updated_at < $1 LIMIT 100 FOR UPDATE SKIP LOCKED
            """, connection, transaction))
        {
            find.Parameters.AddWithValue(now - options.Value.UnconfirmedAfter);
            await using var reader = await find.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                stale.Add(reader.GetGuid(0));
            }
        }
        foreach (var id in stale)
        {
            await MessageStore.TransitionAsync(connection, transaction, id, MessageStatus.Failed, now, cancellationToken, errorMessage: "unconfirmed");
        }
        await transaction.CommitAsync(cancellationToken);
    }

    private async Task<TimeZoneInfo> RecipientZoneAsync(MessageRow message, CancellationToken cancellationToken)
    {
        string? trait = null;
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var profiles = scope.ServiceProvider.GetRequiredService<ProfilesClient>();
            var profile = message.UserId is not null
                ? await profiles.FindByUserIdAsync(message.UserId, cancellationToken)
                : await profiles.FindByPhoneAsync(message.To, cancellationToken);
            trait = profile?.Trait("timezone");
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
        {
            logger.LogInformation("No time zone from Profiles for message {MessageId}; using the program's", message.Id);
        }
        return RecipientTimeZone.Resolve(trait, options.Value.TimeZone);
    }

    private Uri StatusCallbackUrl(Guid messageId) =>
        new($"{options.Value.PublicBaseUrl.TrimEnd('/')}/webhooks/twilio/status?m={messageId:N}");

    private static string CapKey(MessageRow message) => message.UserId is { Length: > 0 } userId ? "user:" + userId : "phone:" + message.To;

    internal static IReadOnlyList<ConsentChange> CarrierOptOut(string phone, DateTimeOffset at, int code) =>
        [.. ConsentCategory.All.Select(category => new ConsentChange(phone, category, false, "carrier", $"Twilio error {code}: recipient unsubscribed", at))];
}

/// <summary>The time zone quiet hours are measured in: the member's <c>timezone</c> trait if it names one, else the program's.</summary>
internal static class RecipientTimeZone
{
    public static TimeZoneInfo Resolve(string? memberZone, string programZone) =>
        Find(memberZone) ?? Find(programZone) ?? TimeZoneInfo.Utc;

    private static TimeZoneInfo? Find(string? id) =>
        !string.IsNullOrWhiteSpace(id) && TimeZoneInfo.TryFindSystemTimeZoneById(id.Trim(), out var zone) ? zone : null;
}
