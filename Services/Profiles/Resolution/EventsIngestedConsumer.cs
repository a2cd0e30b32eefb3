using Alle.Contracts;
using MassTransit;

namespace Alle.Profiles.Resolution;

/// <summary>Resolves every event of an accepted request into profiles (one transaction per message).</summary>
internal sealed class EventsIngestedConsumer(ProfileResolver resolver) : IConsumer<EventsIngested>
{
    public Task Consume(ConsumeContext<EventsIngested> context) => resolver.ResolveAsync(context.Message.Events, context.CancellationToken);
}

internal sealed class EventsIngestedConsumerDefinition : ConsumerDefinition<EventsIngestedConsumer>
{
    public EventsIngestedConsumerDefinition(IConfiguration configuration)
    {
        // A few batches in flight keep Postgres busy while others wait on locks; more only adds contention on two cores.
        ConcurrentMessageLimit = configuration.GetValue("Profiles:Resolution:ConcurrentBatches", 4);
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<EventsIngestedConsumer> consumerConfigurator, IRegistrationContext context)
    {
        if (endpointConfigurator is IRabbitMqReceiveEndpointConfigurator rabbit)
        {
            rabbit.PrefetchCount = (ConcurrentMessageLimit ?? 4) * 4;
        }
    }
}
