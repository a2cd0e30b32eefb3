using Alle.Contracts;
using MassTransit;

namespace Alle.Profiles.Timeline;

internal sealed class EventsIngestedConsumer(TimelineStore timeline) : IConsumer<EventsIngested>
{
    public Task Consume(ConsumeContext<EventsIngested> context) => timeline.AppendAsync(context.Message.Events, context.CancellationToken);
}
