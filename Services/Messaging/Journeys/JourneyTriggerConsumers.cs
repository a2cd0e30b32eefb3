using Alle.Contracts;
using Alle.Platform.Workers;
using MassTransit;

namespace Alle.Messaging.Journeys;

/// <summary>
/// Audience entries start audience-triggered journeys; leaving the audience exits the entries still inside. A profile
/// that left only because it was merged into another (reason <c>merged</c>) has not left: its entries move with it.
/// </summary>
internal sealed class AudienceMembershipChangedConsumer(JourneyStore journeys, JourneyEntries entries, WorkSignal<JourneyRunner> signal,
    ILogger<AudienceMembershipChangedConsumer> logger) : IConsumer<AudienceMembershipChanged>
{
    public const string MergedReason = "merged";

    public async Task Consume(ConsumeContext<AudienceMembershipChanged> context)
    {
        var change = context.Message;
        var cancellationToken = context.CancellationToken;
        var newest = await entries.RecordMembershipAsync(change.AudienceKey, change.ProfileId, change.Entered, change.ChangedAt, cancellationToken);
        if (!change.Entered)
        {
            if (change.Reason == MergedReason)
            {
                return;
            }
            var exited = await entries.ExitAudienceAsync(change.AudienceKey, change.ProfileId, cancellationToken);
            if (exited > 0)
            {
                logger.LogInformation("Profile {ProfileId} left audience {AudienceKey}: {Count} journey entries exited", change.ProfileId, change.AudienceKey, exited);
            }
            return;
        }
        if (!newest)
        {
            return;
        }

        var request = new EntryRequest(change.ProfileId, change.UserId,
            $"audience:{change.AudienceId:N}:{change.ProfileId:N}:{change.ChangedAt.ToUnixTimeMilliseconds()}", null, change.Reason);
        var active = await journeys.ActiveForAudienceAsync(change.AudienceKey, cancellationToken);
        if (await entries.TryEnterManyAsync([.. active.Select(journey => (journey, request))], cancellationToken) > 0)
        {
            signal.Notify();
        }
    }
}

/// <summary>
/// Profile updates: a track event starts the event-triggered journeys whose name and filters it matches, resumes the
/// <c>wait_for</c> steps waiting for it and converts the goals it meets; a user id wakes the entries waiting for her.
/// </summary>
internal sealed class ProfileUpdatedConsumer(JourneyStore journeys, JourneyEntries entries, WorkSignal<JourneyRunner> signal)
    : IConsumer<ProfileUpdated>, IConsumer<ProfilesUpdated>
{
    public Task Consume(ConsumeContext<ProfileUpdated> context) => HandleAsync([context.Message], context.CancellationToken);

    public Task Consume(ConsumeContext<ProfilesUpdated> context) => HandleAsync(context.Message.Updates, context.CancellationToken);

    private async Task HandleAsync(IReadOnlyList<ProfileUpdated> updates, CancellationToken cancellationToken)
    {
        var due = await entries.ApplyProfileUpdatesAsync(updates, cancellationToken);
        // The journeys an event name triggers are looked up once per message, not once per update, and everyone the
        // message brings in enters in one transaction.
        var activeByEvent = new Dictionary<string, IReadOnlyList<Journey>>(StringComparer.Ordinal);
        var requests = new List<(Journey, EntryRequest)>();
        foreach (var update in updates)
        {
            if (update.Trigger is not { Type: "track", Event: { Length: > 0 } eventName } trigger)
            {
                continue;
            }
            if (!activeByEvent.TryGetValue(eventName, out var active))
            {
                active = activeByEvent[eventName] = await journeys.ActiveForEventAsync(eventName, cancellationToken);
            }
            foreach (var journey in active.Where(journey => journey.Definition.MatchesEvent(eventName, trigger.Properties)))
            {
                requests.Add((journey, new EntryRequest(update.ProfileId, update.UserId ?? trigger.UserId, $"event:{trigger.SourceId}:{trigger.MessageId}", trigger.Properties)));
            }
        }
        due |= await entries.TryEnterManyAsync(requests, cancellationToken) > 0;
        if (due)
        {
            signal.Notify();
        }
    }
}

/// <summary>A merge moves the merged profiles' entries and waits to the survivor; an unmerge splits them back.</summary>
internal sealed class ProfileMergeConsumer(JourneyEntries entries, WorkSignal<JourneyRunner> signal) : IConsumer<ProfilesMerged>, IConsumer<ProfilesUnmerged>
{
    public async Task Consume(ConsumeContext<ProfilesMerged> context)
    {
        if (await entries.MergeAsync(context.Message, context.CancellationToken) > 0)
        {
            signal.Notify();
        }
    }

    public async Task Consume(ConsumeContext<ProfilesUnmerged> context)
    {
        if (await entries.UnmergeAsync(context.Message, context.CancellationToken) > 0)
        {
            signal.Notify();
        }
    }
}
