using System.Text.Json;
using Alle.Messaging.Consent;
using Alle.Messaging.Extensions;
using Alle.Messaging.Integrations;
using Alle.Messaging.Sending;
using Alle.Platform.Identifiers;
using Alle.Platform.Outbox;
using Alle.Platform.Sql;
using Alle.Platform.Workers;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace Alle.Messaging.Journeys;

/// <summary>
/// Moves due journey entries through their version's graph. A pass claims one due entry (<c>FOR UPDATE SKIP LOCKED</c>,
/// so replicas and loops share the work), runs its steps until one waits (for a time, an event or a reachable member) or
/// the journey ends, and commits the entry's new place with what the steps wrote — the message intent under the key
/// <c>journey:{journey}:{entry}:{step}</c>, a track call — in one transaction: a crash, a retry or a second replica
/// never produces a second text for a step. The dispatcher then applies consent, quiet hours and the frequency cap at
/// send time. Paused journeys' entries wait where they are.
/// </summary>
internal sealed class JourneyRunner(
    NpgsqlDataSource dataSource,
    JourneyStore journeys,
    IServiceScopeFactory scopes,
    ConsentStore consent,
    WorkSignal<JourneyRunner> signal,
    WorkSignal<MessageDispatcher> dispatch,
    WorkSignal<OutboxRelay> outbox,
    PhoneNumberNormalizer phones,
    IOptions<MessagingOptions> options,
    TimeProvider clock,
    ILogger<JourneyRunner> logger) : BackgroundService
{
    private const int MaxAttempts = 8;
    private const int MaxStepsPerPass = JourneyValidation.MaxSteps + 1;
    private static readonly TimeSpan s_poll = TimeSpan.FromSeconds(1);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, Math.Max(1, options.Value.JourneyConcurrency)).Select(_ => RunLoopAsync(stoppingToken)));

    private async Task RunLoopAsync(CancellationToken stoppingToken)
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
        var claimed = await connection.ListAsync($"""
            SELECT e.id, e.journey_id, e.journey_version, e.profile_id, e.user_id, e.trigger_properties::text, e.attempts, e.step_id,
                   COALESCE(e.step_at, e.entered_at), e.status, e.entered_at, e.contact_since, e.coupon::text, e.waited_event::text, e.path,
                   (SELECT count(*) FROM journey_step_log l WHERE l.entry_id = e.id)
            FROM journey_entries e JOIN journeys j ON j.id = e.journey_id
            WHERE e.status IN {EntryStatus.LiveSql} AND e.due_at <= $1 AND j.status = 'active'
            ORDER BY e.due_at LIMIT 1 FOR UPDATE OF e SKIP LOCKED
            """, reader => new EntryState
        {
            Id = reader.GetGuid(0),
            JourneyId = reader.GetGuid(1),
            Version = reader.GetInt32(2),
            ProfileId = reader.IsDBNull(3) ? Guid.Empty : reader.GetGuid(3),
            UserId = reader.NullableString(4),
            TriggerProperties = JsonOrNull(reader, 5),
            Attempts = reader.GetInt32(6),
            StepId = reader.NullableString(7),
            StepAt = reader.Instant(8),
            Status = reader.GetString(9),
            EnteredAt = reader.Instant(10),
            ContactSince = reader.NullableInstant(11),
            Coupon = JsonOrNull(reader, 12),
            WaitedEvent = JsonOrNull(reader, 13),
            Path = reader.NullableString(14),
            Seq = (int)reader.GetInt64(15),
        }, cancellationToken, now);
        if (claimed.Count == 0)
        {
            return false;
        }
        var entry = claimed[0];
        entry.DueAt = now;
        if (await journeys.VersionAsync(connection, entry.JourneyId, entry.Version, cancellationToken) is not { } definition)
        {
            entry.Status = EntryStatus.Failed;
            entry.Reason = "unknown_version";
            await SaveAsync(connection, entry, now, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return true;
        }

        var wrote = await AdvanceAsync(connection, transaction, definition, entry, now, cancellationToken);
        await SaveAsync(connection, entry, now, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        if (wrote.Messages)
        {
            dispatch.Notify();
        }
        if (wrote.Calls)
        {
            outbox.Notify();
        }
        return true;
    }

    private async Task<(bool Messages, bool Calls)> AdvanceAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, JourneyDefinition definition,
        EntryState entry, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var graph = new JourneyGraph(definition.Steps);
        var step = entry.StepId is null ? graph.First : graph.Find(entry.StepId);
        if (step is null)
        {
            Finish(entry, EntryStatus.Failed, "unknown_step", now);
            return default;
        }
        if (definition.Trigger.Type == JourneyTrigger.Audience && await StillMemberAsync(connection, definition.Trigger.AudienceKey!, entry.ProfileId, cancellationToken) == false)
        {
            await LogAsync(connection, entry, step, now, cancellationToken);
            await CompleteAsync(connection, entry, step, "exited", "left_audience", null, null, now, cancellationToken);
            Finish(entry, EntryStatus.Exited, "left_audience", now);
            return default;
        }

        await using var scope = scopes.CreateAsyncScope();
        var services = scope.ServiceProvider;
        var contact = new MemberContact(connection, services.GetRequiredService<ProfilesClient>(), consent, phones, entry.ProfileId, entry.UserId,
            options.Value.TimeZone);
        var execution = new StepExecution(connection, transaction, definition, graph, entry, contact,
            services.GetRequiredService<LoyaltyClient>(), services.GetRequiredService<AudiencesClient>(), now);
        var wrote = (Messages: false, Calls: false);
        for (var taken = 0; taken < MaxStepsPerPass; taken++)
        {
            await LogAsync(connection, entry, step, now, cancellationToken);
            var outcome = await execution.RunAsync(step, cancellationToken);
            entry.UserId ??= contact.UserId;
            switch (outcome)
            {
                case StepOutcome.Advance advance:
                    await CompleteAsync(connection, entry, step, advance.Outcome, advance.Reason, advance.Detail, advance.MessageId, now, cancellationToken);
                    wrote.Messages |= advance.MessageId is not null;
                    wrote.Calls |= step.Type == JourneyStep.Track;
                    entry.LastMessageId = advance.MessageId ?? entry.LastMessageId;
                    entry.Attempts = 0;
                    if (step.Type is JourneyStep.Split or JourneyStep.RandomSplit or JourneyStep.WaitFor)
                    {
                        entry.Path = JourneyPaths.Append(entry.Path, step.Id, advance.Outcome);
                    }
                    if (advance.Next is null)
                    {
                        Finish(entry, EntryStatus.Completed, "end", now);
                        return wrote;
                    }
                    step = advance.Next;
                    entry.StepId = step.Id;
                    entry.StepAt = now;
                    entry.ContactSince = null;
                    entry.WaitedEvent = null;
                    continue;
                case StepOutcome.Wait wait:
                    await DetailAsync(connection, entry, step, wait.Detail, null, cancellationToken);
                    entry.Status = wait.Status;
                    entry.DueAt = wait.Until;
                    entry.WaitEvent = wait.WaitEvent;
                    entry.Attempts = 0;
                    return wrote;
                case StepOutcome.Finish finish:
                    await CompleteAsync(connection, entry, step, finish.Outcome, finish.Reason, finish.Detail, null, now, cancellationToken);
                    if (step.Type == JourneyStep.RandomSplit)
                    {
                        entry.Path = JourneyPaths.Append(entry.Path, step.Id, finish.Outcome);
                    }
                    Finish(entry, finish.Status, finish.Reason, now);
                    if (finish.Status != EntryStatus.Completed)
                    {
                        logger.LogInformation("Journey {JourneyId} entry {EntryId} {Status} at step {StepId}: {Reason}", entry.JourneyId, entry.Id, finish.Status, step.Id, finish.Reason);
                    }
                    return wrote;
                case StepOutcome.NeedContact need:
                    entry.ContactSince ??= now;
                    var deadline = entry.ContactSince.Value + definition.ContactWindowLength;
                    if (now >= deadline)
                    {
                        await CompleteAsync(connection, entry, step, "skipped", "no_contact", new { missing = need.Missing }, null, now, cancellationToken);
                        Finish(entry, EntryStatus.Skipped, "no_contact", now);
                        return wrote;
                    }
                    await DetailAsync(connection, entry, step, new { waitingFor = need.Missing, until = deadline }, $"waiting_for_{need.Missing}", cancellationToken);
                    entry.Status = EntryStatus.WaitingContact;
                    entry.DueAt = deadline;
                    entry.Attempts = 0;
                    return wrote;
                case StepOutcome.RetryLater retry when entry.Attempts + 1 < MaxAttempts:
                    entry.Attempts++;
                    entry.Status = EntryStatus.Waiting;
                    entry.DueAt = now + TimeSpan.FromSeconds(Math.Pow(2, entry.Attempts) * 2);
                    logger.LogWarning("Journey {JourneyId} entry {EntryId} postponed at step {StepId}: {Reason}", entry.JourneyId, entry.Id, step.Id, retry.Reason);
                    return wrote;
                case StepOutcome.RetryLater retry:
                    await CompleteAsync(connection, entry, step, "failed", retry.Reason, null, null, now, cancellationToken);
                    Finish(entry, EntryStatus.Failed, retry.Reason, now);
                    return wrote;
            }
        }
        Finish(entry, EntryStatus.Failed, "too_many_steps", now);
        return wrote;
    }

    private static void Finish(EntryState entry, string status, string reason, DateTimeOffset now)
    {
        entry.Status = status;
        entry.Reason = reason;
        entry.DueAt = now;
        entry.WaitEvent = null;
    }

    private static async Task<bool?> StillMemberAsync(NpgsqlConnection connection, string audienceKey, Guid profileId, CancellationToken cancellationToken)
    {
        var rows = await connection.ListAsync("SELECT is_member FROM audience_memberships WHERE audience_key = $1 AND profile_id = $2",
            reader => reader.GetBoolean(0), cancellationToken, audienceKey, profileId);
        return rows.Count == 0 ? null : rows[0];
    }

    private static async Task LogAsync(NpgsqlConnection connection, EntryState entry, JourneyStep step, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (await connection.ExecuteAsync("""
                INSERT INTO journey_step_log (entry_id, step_id, step_type, seq, arrived_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING
                """, cancellationToken, entry.Id, step.Id, step.Type, entry.Seq + 1, entry.StepId == step.Id ? entry.StepAt : now) == 1)
        {
            entry.Seq++;
        }
    }

    private static Task CompleteAsync(NpgsqlConnection connection, EntryState entry, JourneyStep step, string outcome, string? reason, object? detail,
        Guid? messageId, DateTimeOffset now, CancellationToken cancellationToken) =>
        connection.ExecuteAsync("""
            UPDATE journey_step_log SET completed_at = $3, outcome = $4, reason = $5, message_id = $7,
                detail = CASE WHEN jsonb_typeof(detail) = 'object' AND jsonb_typeof($6) = 'object' THEN detail || $6 ELSE COALESCE($6, detail) END
            WHERE entry_id = $1 AND step_id = $2
            """, cancellationToken, entry.Id, step.Id, now, outcome, Sql.Text(reason), Json(detail), Sql.Uuid(messageId));

    private static Task DetailAsync(NpgsqlConnection connection, EntryState entry, JourneyStep step, object? detail, string? reason, CancellationToken cancellationToken) =>
        connection.ExecuteAsync("UPDATE journey_step_log SET detail = COALESCE($3, detail), reason = $4 WHERE entry_id = $1 AND step_id = $2",
            cancellationToken, entry.Id, step.Id, Json(detail), Sql.Text(reason));

    private static Task SaveAsync(NpgsqlConnection connection, EntryState entry, DateTimeOffset now, CancellationToken cancellationToken) =>
        connection.ExecuteAsync("""
            UPDATE journey_entries SET status = $2, step_id = $3, step_at = $4, due_at = $5, wait_event = $6, waited_event = $7, contact_since = $8,
                coupon = $9, coupon_code = COALESCE($9->>'code', coupon_code), path = $10, attempts = $11, skip_reason = $12, user_id = $13,
                member_key = COALESCE($13, member_key), message_id = COALESCE($14, message_id),
                finished_at = CASE WHEN $2 IN ('waiting', 'waiting_event', 'waiting_contact') THEN NULL ELSE $15 END, updated_at = $15
            WHERE id = $1
            """, cancellationToken, entry.Id, entry.Status, Sql.Text(entry.StepId), entry.StepAt, entry.DueAt,
            Sql.Text(entry.WaitEvent), Json(entry.WaitedEvent), entry.ContactSince, Json(entry.Coupon),
            Sql.Text(entry.Path), entry.Attempts, Sql.Text(entry.Reason), Sql.Text(entry.UserId),
            Sql.Uuid(entry.LastMessageId), now);

    private static NpgsqlParameter Json(object? value) => new()
    {
        Value = value switch
        {
            null => DBNull.Value,
            JsonElement { ValueKind: JsonValueKind.Undefined or JsonValueKind.Null } => DBNull.Value,
            JsonElement element => element.GetRawText(),
            _ => JsonSerializer.Serialize(value, JourneyStore.Json),
        },
        NpgsqlDbType = NpgsqlDbType.Jsonb,
    };

    private static JsonElement? JsonOrNull(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.Json(ordinal) is { ValueKind: not JsonValueKind.Null } element ? element : null;
}

/// <summary>An entry's path: the branches it took, in order (<c>split:yes › ab:B</c>).</summary>
internal static class JourneyPaths
{
    public const string Separator = " › ";

    public static string Append(string? path, string stepId, string outcome) =>
        string.IsNullOrEmpty(path) ? $"{stepId}:{outcome}" : $"{path}{Separator}{stepId}:{outcome}";
}
