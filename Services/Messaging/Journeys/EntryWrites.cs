using System.Text.Json;
using Alle.Messaging.Sending;
using Alle.Platform.Outbox;
using Alle.Platform.Sql;
using Npgsql;

namespace Alle.Messaging.Journeys;

/// <summary>A step an entry reached for the first time (its row in <c>journey_step_log</c>).</summary>
internal sealed record StepArrival(Guid EntryId, string StepId, string StepType, int Seq, DateTimeOffset ArrivedAt);

/// <summary>How an entry left a step (outcome, reason, detail merged into what the step had, its text).</summary>
internal sealed record StepCompletion(Guid EntryId, string StepId, string Outcome, string? Reason, string? Detail, Guid? MessageId);

/// <summary>Why an entry stays at a step (what it waits for).</summary>
internal sealed record StepWaiting(Guid EntryId, string StepId, string? Detail, string? Reason);

/// <summary>
/// What one pass decided for one entry, kept in memory until the batch is saved: the steps it reached and left, the
/// texts it asks for (each under a provisional id until saved) and the track calls it makes.
/// </summary>
internal sealed class EntryWrites
{
    public List<StepArrival> Arrivals { get; } = [];
    public List<StepCompletion> Completions { get; } = [];
    public List<StepWaiting> Waits { get; } = [];
    public List<(Guid Id, OutgoingMessage Message)> Texts { get; } = [];
    public List<OutboxEntry> Calls { get; } = [];

    /// <summary>Asks for a text; the id returned stands for it until the batch is saved (a text its key already names keeps its id).</summary>
    public Guid Text(OutgoingMessage message, DateTimeOffset now)
    {
        var id = Guid.CreateVersion7(now);
        Texts.Add((id, message));
        return id;
    }

    public static string? Json(object? value) => value switch
    {
        null => null,
        JsonElement { ValueKind: JsonValueKind.Undefined or JsonValueKind.Null } => null,
        JsonElement element => element.GetRawText(),
        _ => JsonSerializer.Serialize(value, JourneyStore.Json),
    };
}

/// <summary>
/// Saves a batch of entries with what their passes wrote, in the transaction that claimed them, one set-based
/// statement per kind of row: the texts' intents, the step log's new rows, completions and waits, the track calls and
/// the entries' new places.
/// </summary>
internal static class JourneyBatchStore
{
    public static async Task SaveAsync(NpgsqlConnection connection, IReadOnlyList<EntryState> entries, IReadOnlyList<EntryWrites> writes, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var texts = writes.SelectMany(write => write.Texts).ToList();
        var messageIds = await MessageStore.EnqueueManyAsync(connection, texts, now, cancellationToken);
        // A text whose key was already taken (an episode resumed after an unmerge) is the message that key names.
        var actual = texts.ToDictionary(text => text.Id, text => messageIds[text.Message.IdempotencyKey]);
        Guid? Actual(Guid? provisional) => provisional is { } id ? actual.GetValueOrDefault(id, id) : null;

        var arrivals = writes.SelectMany(write => write.Arrivals).ToList();
        if (arrivals.Count > 0)
        {
            await connection.ExecuteAsync("""
                INSERT INTO journey_step_log (entry_id, step_id, step_type, seq, arrived_at)
                SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::timestamptz[])
                ON CONFLICT DO NOTHING
                """, cancellationToken, arrivals.Select(a => a.EntryId).ToArray(), arrivals.Select(a => a.StepId).ToArray(),
                arrivals.Select(a => a.StepType).ToArray(), arrivals.Select(a => a.Seq).ToArray(), arrivals.Select(a => a.ArrivedAt.ToUniversalTime()).ToArray());
        }
        var completions = writes.SelectMany(write => write.Completions).ToList();
        if (completions.Count > 0)
        {
            await connection.ExecuteAsync("""
                UPDATE journey_step_log l SET completed_at = $7, outcome = c.outcome, reason = c.reason, message_id = c.message_id::uuid,
                    detail = CASE WHEN jsonb_typeof(l.detail) = 'object' AND jsonb_typeof(c.detail::jsonb) = 'object' THEN l.detail || c.detail::jsonb
                                  ELSE COALESCE(c.detail::jsonb, l.detail) END
                FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS c(entry_id, step_id, outcome, reason, detail, message_id)
                WHERE l.entry_id = c.entry_id AND l.step_id = c.step_id
                """, cancellationToken, completions.Select(c => c.EntryId).ToArray(), completions.Select(c => c.StepId).ToArray(),
                completions.Select(c => c.Outcome).ToArray(), completions.Select(c => c.Reason).ToArray(), completions.Select(c => c.Detail).ToArray(),
                completions.Select(c => Actual(c.MessageId)?.ToString()).ToArray(), now);
        }
        var waits = writes.SelectMany(write => write.Waits).ToList();
        if (waits.Count > 0)
        {
            await connection.ExecuteAsync("""
                UPDATE journey_step_log l SET detail = COALESCE(w.detail::jsonb, l.detail), reason = w.reason
                FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) AS w(entry_id, step_id, detail, reason)
                WHERE l.entry_id = w.entry_id AND l.step_id = w.step_id
                """, cancellationToken, waits.Select(w => w.EntryId).ToArray(), waits.Select(w => w.StepId).ToArray(),
                waits.Select(w => w.Detail).ToArray(), waits.Select(w => w.Reason).ToArray());
        }
        var calls = writes.SelectMany(write => write.Calls).ToList();
        if (calls.Count > 0)
        {
            await connection.AddAsync(calls, now, cancellationToken);
        }

        await connection.ExecuteAsync("""
            UPDATE journey_entries e SET status = c.status, step_id = c.step_id, step_at = c.step_at, due_at = c.due_at, wait_event = c.wait_event,
                waited_event = c.waited_event::jsonb, contact_since = c.contact_since::timestamptz, coupon = c.coupon::jsonb,
                coupon_code = COALESCE(c.coupon::jsonb->>'code', e.coupon_code), path = c.path, attempts = c.attempts, skip_reason = c.skip_reason,
                user_id = c.user_id, member_key = COALESCE(c.user_id, e.member_key), message_id = COALESCE(c.message_id::uuid, e.message_id),
                finished_at = CASE WHEN c.status IN ('waiting', 'waiting_event', 'waiting_contact') THEN NULL ELSE $15 END, updated_at = $15
            FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::text[], $7::text[], $8::text[], $9::text[],
                        $10::text[], $11::int[], $12::text[], $13::text[], $14::text[])
                 AS c(id, status, step_id, step_at, due_at, wait_event, waited_event, contact_since, coupon, path, attempts, skip_reason, user_id, message_id)
            WHERE e.id = c.id
            """, cancellationToken, entries.Select(e => e.Id).ToArray(), entries.Select(e => e.Status).ToArray(), entries.Select(e => e.StepId).ToArray(),
            entries.Select(e => e.StepAt.ToUniversalTime()).ToArray(), entries.Select(e => e.DueAt.ToUniversalTime()).ToArray(),
            entries.Select(e => e.WaitEvent).ToArray(), entries.Select(e => EntryWrites.Json(e.WaitedEvent)).ToArray(),
            entries.Select(e => e.ContactSince?.ToUniversalTime().ToString("O")).ToArray(), entries.Select(e => EntryWrites.Json(e.Coupon)).ToArray(),
            entries.Select(e => e.Path).ToArray(), entries.Select(e => e.Attempts).ToArray(), entries.Select(e => e.Reason).ToArray(),
            entries.Select(e => e.UserId).ToArray(), entries.Select(e => Actual(e.LastMessageId)?.ToString()).ToArray(), now);
    }
}
