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
/// Moves due journey entries through their version's graph, a batch at a time. A pass claims up to
/// <see cref="BatchSize"/> due entries (<c>FOR UPDATE SKIP LOCKED</c>, so replicas and loops share the work), reads what
/// it needs of their people together (<see cref="ContactBook"/>), runs each entry's steps in memory until one waits (for a
/// time, an event or a reachable member) or the journey ends — several entries at once, as their steps wait on other
/// services — and saves the batch in one transaction with set-based statements: the entries' new places with what their
/// steps wrote (the message intent under the key <c>journey:{journey}:{entry}:{step}</c>, a track call). A crash, a retry
/// or a second replica never produces a second text for a step. An entry whose step fails or throws is held back on its
/// own; the others in its batch go on. The dispatcher then applies consent, quiet hours and the frequency cap at send
/// time. Paused journeys' entries wait where they are.
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
    public const int BatchSize = 100;
    private const int MaxAttempts = 8;
    private const int MaxStepsPerPass = JourneyValidation.MaxSteps + 1;
    // Entries of a batch whose steps wait on Profiles, Loyalty or Audiences at the same time.
    private const int EntriesInFlight = 16;
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
                    // More may be due: let a sleeping loop take the next batch while this one claims its own.
                    signal.Notify();
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

    /// <summary>Handles one batch of due entries of active journeys; false when none is due.</summary>
    public async Task<bool> RunNextAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var claimed = await connection.ListAsync($"""
            SELECT e.id, e.journey_id, e.journey_version, e.profile_id, e.user_id, e.trigger_properties::text, e.attempts, e.step_id,
                   COALESCE(e.step_at, e.entered_at), e.status, e.entered_at, e.contact_since, e.coupon::text, e.waited_event::text, e.path
            FROM journey_entries e JOIN journeys j ON j.id = e.journey_id
            WHERE e.status IN {EntryStatus.LiveSql} AND e.due_at <= $1 AND j.status = 'active'
            ORDER BY e.due_at LIMIT $2 FOR UPDATE OF e SKIP LOCKED
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
            DueAt = now,
        }, cancellationToken, now, BatchSize);
        if (claimed.Count == 0)
        {
            return false;
        }

        var ids = claimed.Select(entry => entry.Id).ToArray();
        var visited = (await connection.ListAsync("SELECT entry_id, step_id FROM journey_step_log WHERE entry_id = ANY($1)",
                reader => (Entry: reader.GetGuid(0), Step: reader.GetString(1)), cancellationToken, ids))
            .GroupBy(row => row.Entry).ToDictionary(group => group.Key, group => group.Select(row => row.Step).ToHashSet(StringComparer.Ordinal));
        var definitions = new Dictionary<(Guid, int), JourneyDefinition?>();
        foreach (var key in claimed.Select(entry => (entry.JourneyId, entry.Version)).Distinct())
        {
            definitions[key] = await journeys.VersionAsync(connection, key.JourneyId, key.Version, cancellationToken);
        }
        var memberships = await MembershipsAsync(connection, claimed, definitions, cancellationToken);
        await using var scope = scopes.CreateAsyncScope();
        var services = scope.ServiceProvider;
        var book = new ContactBook(services.GetRequiredService<ProfilesClient>(), consent);
        await book.LoadAsync(connection, claimed, cancellationToken);
        var loyalty = services.GetRequiredService<LoyaltyClient>();
        var audiences = services.GetRequiredService<AudiencesClient>();

        var writes = claimed.Select(_ => new EntryWrites()).ToArray();
        await Parallel.ForEachAsync(Enumerable.Range(0, claimed.Count), new ParallelOptions { MaxDegreeOfParallelism = EntriesInFlight, CancellationToken = cancellationToken },
            async (i, token) =>
            {
                var entry = claimed[i];
                entry.Seq = visited.TryGetValue(entry.Id, out var steps) ? steps.Count : 0;
                var before = entry.Copy();
                var pass = new EntryPass(entry, writes[i], steps ?? new HashSet<string>(StringComparer.Ordinal), now);
                if (definitions[(entry.JourneyId, entry.Version)] is not { } definition)
                {
                    entry.Status = EntryStatus.Failed;
                    entry.Reason = "unknown_version";
                    return;
                }
                try
                {
                    var stillMember = definition.Trigger.Type == JourneyTrigger.Audience && memberships.TryGetValue((definition.Trigger.AudienceKey!, entry.ProfileId), out var member)
                        ? member : (bool?)null;
                    await AdvanceAsync(pass, definition, stillMember, book, loyalty, audiences, token);
                }
                catch (Exception exception) when (exception is not OperationCanceledException || !token.IsCancellationRequested)
                {
                    // This entry alone is held back; what it wrote in this pass is dropped with it.
                    writes[i] = new EntryWrites();
                    claimed[i] = before;
                    HoldBack(before, exception.GetType().Name, now);
                    logger.LogWarning(exception, "Journey {JourneyId} entry {EntryId} failed in its pass; retrying later", entry.JourneyId, entry.Id);
                }
            });

        await JourneyBatchStore.SaveAsync(connection, claimed, writes, now, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        if (writes.Any(write => write.Texts.Count > 0))
        {
            dispatch.Notify();
        }
        if (writes.Any(write => write.Calls.Count > 0))
        {
            outbox.Notify();
        }
        return true;
    }

    /// <summary>An entry's pass: the entry, what it writes, the steps it has reached so far.</summary>
    private sealed record EntryPass(EntryState Entry, EntryWrites Writes, HashSet<string> Visited, DateTimeOffset Now);

    private async Task AdvanceAsync(EntryPass pass, JourneyDefinition definition, bool? stillMember, ContactBook book, LoyaltyClient loyalty,
        AudiencesClient audiences, CancellationToken cancellationToken)
    {
        var (entry, writes, _, now) = pass;
        var graph = new JourneyGraph(definition.Steps);
        var step = entry.StepId is null ? graph.First : graph.Find(entry.StepId);
        if (step is null)
        {
            Finish(entry, EntryStatus.Failed, "unknown_step", now);
            return;
        }
        if (stillMember == false)
        {
            Arrive(pass, step);
            Complete(pass, step, "exited", "left_audience", null, null);
            Finish(entry, EntryStatus.Exited, "left_audience", now);
            return;
        }

        var contact = new MemberContact(book, phones, entry.ProfileId, entry.UserId, options.Value.TimeZone);
        var execution = new StepExecution(writes, definition, graph, entry, contact, loyalty, audiences, now);
        for (var taken = 0; taken < MaxStepsPerPass; taken++)
        {
            Arrive(pass, step);
            var outcome = await execution.RunAsync(step, cancellationToken);
            entry.UserId ??= contact.UserId;
            switch (outcome)
            {
                case StepOutcome.Advance advance:
                    Complete(pass, step, advance.Outcome, advance.Reason, advance.Detail, advance.MessageId);
                    entry.LastMessageId = advance.MessageId ?? entry.LastMessageId;
                    entry.Attempts = 0;
                    if (step.Type is JourneyStep.Split or JourneyStep.RandomSplit or JourneyStep.WaitFor)
                    {
                        entry.Path = JourneyPaths.Append(entry.Path, step.Id, advance.Outcome);
                    }
                    if (advance.Next is null)
                    {
                        Finish(entry, EntryStatus.Completed, "end", now);
                        return;
                    }
                    step = advance.Next;
                    entry.StepId = step.Id;
                    entry.StepAt = now;
                    entry.ContactSince = null;
                    entry.WaitedEvent = null;
                    continue;
                case StepOutcome.Wait wait:
                    writes.Waits.Add(new StepWaiting(entry.Id, step.Id, EntryWrites.Json(wait.Detail), null));
                    entry.Status = wait.Status;
                    entry.DueAt = wait.Until;
                    entry.WaitEvent = wait.WaitEvent;
                    entry.Attempts = 0;
                    return;
                case StepOutcome.Finish finish:
                    Complete(pass, step, finish.Outcome, finish.Reason, finish.Detail, null);
                    if (step.Type == JourneyStep.RandomSplit)
                    {
                        entry.Path = JourneyPaths.Append(entry.Path, step.Id, finish.Outcome);
                    }
                    Finish(entry, finish.Status, finish.Reason, now);
                    if (finish.Status != EntryStatus.Completed)
                    {
                        logger.LogInformation("Journey {JourneyId} entry {EntryId} {Status} at step {StepId}: {Reason}", entry.JourneyId, entry.Id, finish.Status, step.Id, finish.Reason);
                    }
                    return;
                case StepOutcome.NeedContact need:
                    entry.ContactSince ??= now;
                    var deadline = entry.ContactSince.Value + definition.ContactWindowLength;
                    if (now >= deadline)
                    {
                        Complete(pass, step, "skipped", "no_contact", new { missing = need.Missing }, null);
                        Finish(entry, EntryStatus.Skipped, "no_contact", now);
                        return;
                    }
                    writes.Waits.Add(new StepWaiting(entry.Id, step.Id, EntryWrites.Json(new { waitingFor = need.Missing, until = deadline }), $"waiting_for_{need.Missing}"));
                    entry.Status = EntryStatus.WaitingContact;
                    entry.DueAt = deadline;
                    entry.Attempts = 0;
                    return;
                case StepOutcome.RetryLater retry when entry.Attempts + 1 < MaxAttempts:
                    HoldBack(entry, retry.Reason, now);
                    logger.LogWarning("Journey {JourneyId} entry {EntryId} postponed at step {StepId}: {Reason}", entry.JourneyId, entry.Id, step.Id, retry.Reason);
                    return;
                case StepOutcome.RetryLater retry:
                    Complete(pass, step, "failed", retry.Reason, null, null);
                    Finish(entry, EntryStatus.Failed, retry.Reason, now);
                    return;
            }
        }
        Finish(entry, EntryStatus.Failed, "too_many_steps", now);
    }

    /// <summary>The entry tries the same step again later (backing off), or fails after <see cref="MaxAttempts"/>.</summary>
    private static void HoldBack(EntryState entry, string reason, DateTimeOffset now)
    {
        if (entry.Attempts + 1 >= MaxAttempts)
        {
            Finish(entry, EntryStatus.Failed, reason, now);
            return;
        }
        entry.Attempts++;
        entry.Status = EntryStatus.Waiting;
        entry.DueAt = now + TimeSpan.FromSeconds(Math.Pow(2, entry.Attempts) * 2);
    }

    private static void Finish(EntryState entry, string status, string reason, DateTimeOffset now)
    {
        entry.Status = status;
        entry.Reason = reason;
        entry.DueAt = now;
        entry.WaitEvent = null;
    }

    /// <summary>The latest membership of each audience-triggered entry's person in its audience (absent: not known here).</summary>
    private static async Task<Dictionary<(string, Guid), bool>> MembershipsAsync(NpgsqlConnection connection, IReadOnlyList<EntryState> entries,
        IReadOnlyDictionary<(Guid, int), JourneyDefinition?> definitions, CancellationToken cancellationToken)
    {
        var wanted = entries
            .Select(entry => (Definition: definitions[(entry.JourneyId, entry.Version)], entry.ProfileId))
            .Where(pair => pair.Definition?.Trigger is { Type: JourneyTrigger.Audience, AudienceKey: not null })
            .Select(pair => (Key: pair.Definition!.Trigger.AudienceKey!, pair.ProfileId)).Distinct().ToList();
        if (wanted.Count == 0)
        {
            return [];
        }
        var rows = await connection.ListAsync("""
            SELECT m.audience_key, m.profile_id, m.is_member FROM audience_memberships m
            JOIN unnest($1::text[], $2::uuid[]) AS w(audience_key, profile_id) ON w.audience_key = m.audience_key AND w.profile_id = m.profile_id
            """, reader => (Key: reader.GetString(0), Profile: reader.GetGuid(1), IsMember: reader.GetBoolean(2)), cancellationToken,
            wanted.Select(w => w.Key).ToArray(), wanted.Select(w => w.ProfileId).ToArray());
        return rows.ToDictionary(row => (row.Key, row.Profile), row => row.IsMember);
    }

    /// <summary>The entry reached the step: its first arrival there gets a row in the step log, numbered in the order reached.</summary>
    private static void Arrive(EntryPass pass, JourneyStep step)
    {
        var entry = pass.Entry;
        if (pass.Visited.Add(step.Id))
        {
            entry.Seq++;
            pass.Writes.Arrivals.Add(new StepArrival(entry.Id, step.Id, step.Type, entry.Seq, entry.StepId == step.Id ? entry.StepAt : pass.Now));
        }
    }

    private static void Complete(EntryPass pass, JourneyStep step, string outcome, string? reason, object? detail, Guid? messageId) =>
        pass.Writes.Completions.Add(new StepCompletion(pass.Entry.Id, step.Id, outcome, reason, EntryWrites.Json(detail), messageId));

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
