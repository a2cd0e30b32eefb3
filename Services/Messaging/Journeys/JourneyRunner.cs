using System.Text.Json;
using Alle.Messaging.Consent;
using Alle.Messaging.Integrations;
using Alle.Messaging.Sending;
using Alle.Platform.Identifiers;
using Alle.Platform.Workers;
using Npgsql;

namespace Alle.Messaging.Journeys;


/// <summary>
/// Moves due journey entries forward: exits a member who left the trigger audience, looks up her profile, issues the
/// coupon (Loyalty's API is idempotent per member and offer), renders the text and records the message intent with
/// the idempotency key <c>journey:{journey}:{member}:{entry}</c> — all in the transaction that holds the entry, so a
/// crash, a retry or a second replica never produces a second text. The dispatcher then applies consent, quiet hours
/// and the frequency cap at send time.
/// </summary>
internal sealed class JourneyRunner(
    NpgsqlDataSource dataSource,
    IServiceScopeFactory scopes,
    WorkSignal<JourneyRunner> signal,
    WorkSignal<MessageDispatcher> dispatch,
    PhoneNumberNormalizer phones,
    TimeProvider clock,
    ILogger<JourneyRunner> logger) : BackgroundService
{
    private const int MaxAttempts = 8;
    private static readonly TimeSpan s_poll = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await RunNextAsync(stoppingToken))
                {
                    continue;
                }
            }
            catch (Exception exception) when (exception is NpgsqlException or TimeoutException)
            {
                logger.LogWarning(exception, "Journey pass failed; retrying");
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            await signal.WaitAsync(s_poll, clock, stoppingToken);
        }
    }

    /// <summary>Handles one due entry of an active journey; false when none is due.</summary>
    public async Task<bool> RunNextAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        DueEntry? entry;
        await using (var claim = new NpgsqlCommand("""
            SELECT e.id, e.journey_id, j.definition::text, e.member_key, e.profile_id, e.user_id, e.trigger_properties::text, e.attempts,
                   (SELECT m.is_member FROM audience_memberships m
                     WHERE m.audience_key = j.definition->'trigger'->>'audienceKey' AND m.profile_id = e.profile_id)
            FROM journey_entries e JOIN journeys j ON j.id = e.journey_id
            WHERE e.status = 'waiting' AND e.send_at <= $1 AND j.status = 'active'
            ORDER BY e.send_at LIMIT 1 FOR UPDATE OF e SKIP LOCKED
            """, connection, transaction))
        {
            claim.Parameters.AddWithValue(now);
            await using var reader = await claim.ExecuteReaderAsync(cancellationToken);
            entry = await reader.ReadAsync(cancellationToken)
                ? new DueEntry(reader.GetGuid(0), reader.GetGuid(1), JsonSerializer.Deserialize<JourneyDefinition>(reader.GetString(2), JourneyStore.Json)!,
                    reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetGuid(4), reader.IsDBNull(5) ? null : reader.GetString(5),
                    reader.IsDBNull(6) ? null : JsonDocument.Parse(reader.GetString(6)).RootElement.Clone(), reader.GetInt32(7),
                    reader.IsDBNull(8) ? null : reader.GetBoolean(8))
                : null;
        }
        if (entry is null)
        {
            return false;
        }

        var step = await AdvanceAsync(entry, cancellationToken);
        switch (step)
        {
            case Step.Message message:
                var (messageId, _) = await MessageStore.EnqueueAsync(connection, transaction, new OutgoingMessage(
                    $"journey:{entry.JourneyId:N}:{entry.MemberKey}:{entry.Id:N}", message.Phone, message.Body,
                    entry.Definition.Category == ConsentCategory.Transactional ? MessageCategory.Transactional : MessageCategory.Marketing,
                    entry.UserId, entry.JourneyId, entry.Id, Purpose: "journey"), now, cancellationToken);
                await UpdateEntryAsync(connection, transaction, entry.Id, EntryStatus.Messaged, null, now, cancellationToken, messageId, message.CouponCode);
                break;
            case Step.Stop stop:
                await UpdateEntryAsync(connection, transaction, entry.Id, stop.Status, stop.Reason, now, cancellationToken);
                logger.LogInformation("Journey {JourneyId} entry {EntryId} {Status}: {Reason}", entry.JourneyId, entry.Id, stop.Status, stop.Reason);
                break;
            case Step.RetryLater retry when entry.Attempts + 1 < MaxAttempts:
                await using (var later = new NpgsqlCommand(
                    "UPDATE journey_entries SET attempts = attempts + 1, send_at = $2, updated_at = $3 WHERE id = $1", connection, transaction))
                {
                    later.Parameters.AddWithValue(entry.Id);
                    later.Parameters.AddWithValue(now + TimeSpan.FromSeconds(Math.Pow(2, entry.Attempts) * 2));
                    later.Parameters.AddWithValue(now);
                    await later.ExecuteNonQueryAsync(cancellationToken);
                }
                logger.LogWarning("Journey {JourneyId} entry {EntryId} postponed: {Reason}", entry.JourneyId, entry.Id, retry.Reason);
                break;
            case Step.RetryLater retry:
                await UpdateEntryAsync(connection, transaction, entry.Id, EntryStatus.Failed, retry.Reason, now, cancellationToken);
                break;
        }
        await transaction.CommitAsync(cancellationToken);
        if (step is Step.Message)
        {
            dispatch.Notify();
        }
        return true;
    }

    private async Task<Step> AdvanceAsync(DueEntry entry, CancellationToken cancellationToken)
    {
        if (entry.Definition.Trigger.Type == JourneyTrigger.Audience && entry.StillMember == false)
        {
            return new Step.Stop(EntryStatus.Exited, "left_audience");
        }
        if (entry.UserId is null)
        {
            return new Step.Stop(EntryStatus.Skipped, "unknown_member");
        }

        await using var scope = scopes.CreateAsyncScope();
        ProfileLookup? profile;
        try
        {
            profile = await scope.ServiceProvider.GetRequiredService<ProfilesClient>().FindByUserIdAsync(entry.UserId, cancellationToken);
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or JsonException)
        {
            return new Step.RetryLater($"profiles: {exception.Message}");
        }
        if (profile is null)
        {
            return new Step.Stop(EntryStatus.Skipped, "profile_not_found");
        }
        if (phones.ToE164(profile.Phone) is not { } phone)
        {
            return new Step.Stop(EntryStatus.Skipped, "no_phone");
        }

        Dictionary<string, object?>? coupon = null;
        if (entry.Definition.Coupon is { } couponStep)
        {
            if (couponStep.ResolveOfferId(entry.TriggerProperties) is not { } offerId)
            {
                return new Step.Stop(EntryStatus.Skipped, "no_offer");
            }
            try
            {
                switch (await scope.ServiceProvider.GetRequiredService<LoyaltyClient>().IssueCouponAsync(offerId, entry.UserId, cancellationToken))
                {
                    case CouponResult.Refused refused:
                        return new Step.Stop(EntryStatus.Skipped, $"coupon_refused_{refused.Status}");
                    case CouponResult.Issued issued:
                        coupon = new Dictionary<string, object?>
                        {
                            ["code"] = issued.Coupon.Code,
                            // 10.0 from JSON renders as "10.0"; a coupon's value reads as money: 10, 12.5.
                            ["value"] = decimal.Parse(issued.Coupon.Value.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture),
                            ["offer_id"] = issued.Coupon.OfferId,
                            ["expires_at"] = issued.Coupon.ExpiresAt?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
                        };
                        break;
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or JsonException)
            {
                return new Step.RetryLater($"loyalty: {exception.Message}");
            }
        }

        string body;
        try
        {
            body = JourneyTemplate.Render(entry.Definition.Template, profile.Traits, coupon, entry.TriggerProperties, entry.UserId);
        }
        catch (Exception exception) when (exception is InvalidOperationException or ArgumentException)
        {
            return new Step.Stop(EntryStatus.Failed, "template_error");
        }
        return string.IsNullOrWhiteSpace(body)
            ? new Step.Stop(EntryStatus.Skipped, "empty_message")
            : new Step.Message(phone, body, coupon?["code"] as string);
    }

    private static async Task UpdateEntryAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, string status, string? reason,
        DateTimeOffset now, CancellationToken cancellationToken, Guid? messageId = null, string? couponCode = null)
    {
        await using var update = new NpgsqlCommand("""
            UPDATE journey_entries SET status = $2, skip_reason = $3, message_id = $4, coupon_code = $5, updated_at = $6 WHERE id = $1
            """, connection, transaction);
        update.Parameters.AddWithValue(id);
        update.Parameters.AddWithValue(status);
        update.Parameters.AddWithValue((object?)reason ?? DBNull.Value);
        update.Parameters.AddWithValue((object?)messageId ?? DBNull.Value);
        update.Parameters.AddWithValue((object?)couponCode ?? DBNull.Value);
        update.Parameters.AddWithValue(now);
        await update.ExecuteNonQueryAsync(cancellationToken);
    }

    private sealed record DueEntry(Guid Id, Guid JourneyId, JourneyDefinition Definition, string MemberKey, Guid? ProfileId, string? UserId,
        JsonElement? TriggerProperties, int Attempts, bool? StillMember);

    private abstract record Step
    {
        public sealed record Message(string Phone, string Body, string? CouponCode) : Step;

        public sealed record Stop(string Status, string Reason) : Step;

        public sealed record RetryLater(string Reason) : Step;
    }
}
