using System.Globalization;
using System.Text.Json;
using Alle.Messaging.Consent;
using Alle.Messaging.Integrations;
using Alle.Messaging.Sending;
using Alle.Platform.Outbox;
using Alle.Platform.Tracking;

namespace Alle.Messaging.Journeys;

/// <summary>
/// Runs one step of one entry while the runner holds the entry: everything it writes (the message intent, a track call
/// for the outbox) goes to <see cref="EntryWrites"/>, committed with the entry's move in the batch's transaction, and
/// what it asks of other services is idempotent (Loyalty issues one coupon per member and offer) or read-only, so a
/// crash, a retry or a second replica never repeats an effect.
/// </summary>
internal sealed class StepExecution(
    EntryWrites writes,
    JourneyDefinition definition,
    JourneyGraph graph,
    EntryState entry,
    MemberContact contact,
    LoyaltyClient loyalty,
    AudiencesClient audiences,
    DateTimeOffset now)
{
    public async Task<StepOutcome> RunAsync(JourneyStep step, CancellationToken cancellationToken)
    {
        try
        {
            return step.Type switch
            {
                JourneyStep.Wait => await WaitAsync(step, cancellationToken),
                JourneyStep.WaitFor => WaitFor(step),
                JourneyStep.Split => await SplitAsync(step, cancellationToken),
                JourneyStep.RandomSplit => RandomSplit(step),
                JourneyStep.IssueCoupon => await IssueCouponAsync(step, cancellationToken),
                JourneyStep.SendSms => await SendSmsAsync(step, cancellationToken),
                JourneyStep.Track => await TrackAsync(step, cancellationToken),
                JourneyStep.Exit => new StepOutcome.Finish(EntryStatus.Completed, "exit", "exit"),
                _ => new StepOutcome.Finish(EntryStatus.Failed, "unknown_step", "failed"),
            };
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or JsonException && !cancellationToken.IsCancellationRequested)
        {
            return new StepOutcome.RetryLater($"{step.Type}: {exception.GetType().Name}");
        }
    }

    private async Task<StepOutcome> WaitAsync(JourneyStep step, CancellationToken cancellationToken)
    {
        var zone = await contact.ZoneAsync(cancellationToken);
        var until = step.Until is { } text && LocalClock.TryParseTimeOfDay(text, out var timeOfDay)
            ? LocalClock.Next(entry.StepAt, timeOfDay, zone)
            : JourneyDuration.TryParse(step.Duration, out var duration) ? duration.After(entry.StepAt, zone) : entry.StepAt;
        return now >= until
            ? new StepOutcome.Advance("next", graph.Resolve(step, step.Next), new { waitedUntil = until, zone = zone.Id })
            : new StepOutcome.Wait(EntryStatus.Waiting, until, Detail: new { until, zone = zone.Id });
    }

    private StepOutcome WaitFor(JourneyStep step)
    {
        if (entry.WaitedEvent is { ValueKind: JsonValueKind.Object } waited
            && waited.TryGetProperty("step", out var stepId) && stepId.GetString() == step.Id)
        {
            return new StepOutcome.Advance("event", graph.Resolve(step, step.Next), waited);
        }
        var timeout = entry.StepAt + (JourneyDuration.TryParse(step.Timeout, out var duration) ? duration.Length : TimeSpan.Zero);
        return now >= timeout
            ? new StepOutcome.Advance("timeout", graph.Resolve(step, step.TimeoutNext), new { @event = step.Event, timedOutAt = timeout })
            : new StepOutcome.Wait(EntryStatus.WaitingEvent, timeout, step.Event, new { @event = step.Event, until = timeout });
    }

    private async Task<StepOutcome> SplitAsync(JourneyStep step, CancellationToken cancellationToken)
    {
        var result = await audiences.EvaluateAsync(entry.ProfileId, step.Condition!.Value, cancellationToken);
        var detail = new { condition = step.Condition, matches = result.Matches, profileKnown = result.ProfileKnown, clauses = result.Clauses };
        return result.Matches
            ? new StepOutcome.Advance("yes", graph.Resolve(step, step.Yes), detail)
            : new StepOutcome.Advance("no", graph.Resolve(step, step.No), detail);
    }

    private StepOutcome RandomSplit(JourneyStep step)
    {
        var paths = step.Paths ?? [];
        var choice = PathSelection.Choose(entry.Id, step.Id, paths);
        var detail = new
        {
            bucket = Math.Round(choice.Bucket, 6),
            weights = paths.ToDictionary(path => path.Name, path => path.Weight),
            path = choice.Path.Name,
            holdout = choice.Path.Holdout,
        };
        return choice.Path.Holdout
            ? new StepOutcome.Finish(EntryStatus.Completed, "holdout", choice.Path.Name, detail)
            : new StepOutcome.Advance(choice.Path.Name, graph.Resolve(step, choice.Path.Next), detail);
    }

    private async Task<StepOutcome> IssueCouponAsync(JourneyStep step, CancellationToken cancellationToken)
    {
        if (await contact.CheckAsync(ContactNeed.Member, definition.Category, cancellationToken) is ContactCheck.Missing missing)
        {
            return new StepOutcome.NeedContact(missing.What);
        }
        if (step.ResolveOfferId(entry.TriggerProperties) is not { } offerId)
        {
            return new StepOutcome.Finish(EntryStatus.Skipped, "no_offer", "skipped");
        }
        switch (await loyalty.IssueCouponAsync(offerId, contact.UserId!, cancellationToken))
        {
            case CouponResult.Refused refused:
                return new StepOutcome.Finish(EntryStatus.Skipped, $"coupon_refused_{refused.Status}", "skipped", new { offerId, refused.Reason });
            case CouponResult.Issued issued:
                entry.Coupon = JsonSerializer.SerializeToElement(new Dictionary<string, object?>
                {
                    ["code"] = issued.Coupon.Code,
                    // 10.0 from JSON renders as "10.0"; a coupon's value reads as money: 10, 12.5.
                    ["value"] = decimal.Parse(issued.Coupon.Value.ToString("0.##", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture),
                    ["offer_id"] = issued.Coupon.OfferId,
                    ["expires_at"] = issued.Coupon.ExpiresAt?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                });
                return new StepOutcome.Advance("issued", graph.Resolve(step, step.Next), new { offerId });
            default:
                throw new InvalidOperationException("Unknown coupon result.");
        }
    }

    private async Task<StepOutcome> SendSmsAsync(JourneyStep step, CancellationToken cancellationToken)
    {
        if (await contact.CheckAsync(ContactNeed.Sms, definition.Category, cancellationToken) is ContactCheck.Missing missing)
        {
            return new StepOutcome.NeedContact(missing.What);
        }
        string body;
        try
        {
            body = JourneyTemplate.Render(step.Template!, contact.Traits, CouponValues(), entry.TriggerProperties, contact.UserId);
        }
        catch (Exception exception) when (exception is InvalidOperationException or ArgumentException)
        {
            return new StepOutcome.Finish(EntryStatus.Failed, "template_error", "failed");
        }
        if (string.IsNullOrWhiteSpace(body))
        {
            return new StepOutcome.Advance("skipped", graph.Resolve(step, step.Next), Reason: "empty_message");
        }
        var category = definition.Category == ConsentCategory.Transactional ? MessageCategory.Transactional : MessageCategory.Marketing;
        var messageId = writes.Text(new OutgoingMessage(
            $"journey:{entry.JourneyId:N}:{entry.Id:N}:{step.Id}", contact.Phone!, body, category, contact.UserId, entry.JourneyId, entry.Id,
            Purpose: "journey"), now);
        return new StepOutcome.Advance("messaged", graph.Resolve(step, step.Next), MessageId: messageId);
    }

    private async Task<StepOutcome> TrackAsync(JourneyStep step, CancellationToken cancellationToken)
    {
        if (await contact.CheckAsync(ContactNeed.Member, definition.Category, cancellationToken) is ContactCheck.Missing missing)
        {
            return new StepOutcome.NeedContact(missing.What);
        }
        var properties = step.Properties is { ValueKind: JsonValueKind.Object } given
            ? given.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value)
            : [];
        properties["journey_id"] = entry.JourneyId.ToString();
        properties["journey_version"] = entry.Version;
        properties["step_id"] = step.Id;
        writes.Calls.Add(OutboxEntry.Track(new TrackCall($"journey-{entry.Id:N}-{step.Id}", contact.UserId, null, step.Event!, properties, now),
            $"member:{contact.UserId}"));
        return new StepOutcome.Advance("tracked", graph.Resolve(step, step.Next));
    }

    private Dictionary<string, object?>? CouponValues() => entry.Coupon is { ValueKind: JsonValueKind.Object } coupon
        ? coupon.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ValueKind switch
        {
            JsonValueKind.String => (object?)p.Value.GetString(),
            JsonValueKind.Number => p.Value.GetDecimal(),
            _ => null,
        })
        : null;
}
