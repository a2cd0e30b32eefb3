using Alle.Contracts;
using Alle.Platform.Workers;
using MassTransit;

namespace Alle.Messaging.Journeys;

/// <summary>Audience entries start audience-triggered journeys; leaving the audience exits members still waiting.</summary>
internal sealed class AudienceMembershipChangedConsumer(JourneyStore journeys, WorkSignal<JourneyRunner> signal, TimeProvider clock,
    ILogger<AudienceMembershipChangedConsumer> logger) : IConsumer<AudienceMembershipChanged>
{
    public async Task Consume(ConsumeContext<AudienceMembershipChanged> context)
    {
        var change = context.Message;
        var cancellationToken = context.CancellationToken;
        var newest = await journeys.RecordMembershipAsync(change.AudienceKey, change.ProfileId, change.Entered, change.ChangedAt, cancellationToken);
        if (!change.Entered)
        {
            var exited = await journeys.ExitAsync(change.AudienceKey, change.ProfileId, clock.GetUtcNow(), cancellationToken);
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

        var entered = 0;
        foreach (var journey in await journeys.ActiveForAudienceAsync(change.AudienceKey, cancellationToken))
        {
            var request = new EntryRequest(change.UserId ?? change.ProfileId.ToString(), change.ProfileId, change.UserId,
                $"audience:{change.AudienceId:N}:{change.ProfileId:N}:{change.ChangedAt.ToUnixTimeMilliseconds()}", null);
            entered += await journeys.TryEnterAsync(journey, request, clock.GetUtcNow(), cancellationToken) ? 1 : 0;
        }
        if (entered > 0)
        {
            signal.Notify();
        }
    }
}

/// <summary>A profile update caused by a track event starts the event-triggered journeys whose name and filters it matches.</summary>
internal sealed class ProfileUpdatedConsumer(JourneyStore journeys, WorkSignal<JourneyRunner> signal, TimeProvider clock) : IConsumer<ProfileUpdated>, IConsumer<ProfilesUpdated>
{
    public Task Consume(ConsumeContext<ProfileUpdated> context) => EnterAsync(context.Message, [], context.CancellationToken);

    public async Task Consume(ConsumeContext<ProfilesUpdated> context)
    {
        // The journeys an event name triggers are looked up once per message, not once per update.
        var activeByEvent = new Dictionary<string, IReadOnlyList<Journey>>(StringComparer.Ordinal);
        foreach (var update in context.Message.Updates)
        {
            await EnterAsync(update, activeByEvent, context.CancellationToken);
        }
    }

    private async Task EnterAsync(ProfileUpdated update, Dictionary<string, IReadOnlyList<Journey>> activeByEvent, CancellationToken cancellationToken)
    {
        if (update.Trigger is not { Type: "track", Event: { Length: > 0 } eventName } trigger)
        {
            return;
        }
        if (!activeByEvent.TryGetValue(eventName, out var active))
        {
            active = activeByEvent[eventName] = await journeys.ActiveForEventAsync(eventName, cancellationToken);
        }
        var entered = 0;
        foreach (var journey in active)
        {
            if (!journey.Definition.MatchesEvent(eventName, trigger.Properties))
            {
                continue;
            }
            var request = new EntryRequest(update.UserId ?? update.ProfileId.ToString(), update.ProfileId, update.UserId ?? trigger.UserId,
                $"event:{trigger.SourceId}:{trigger.MessageId}", trigger.Properties);
            entered += await journeys.TryEnterAsync(journey, request, clock.GetUtcNow(), cancellationToken) ? 1 : 0;
        }
        if (entered > 0)
        {
            signal.Notify();
        }
    }
}
