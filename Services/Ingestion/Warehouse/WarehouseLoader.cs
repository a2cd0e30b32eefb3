using Alle.Contracts;
using MassTransit;

namespace Alle.Ingestion.Warehouse;

/// <summary>Loads accepted events into the warehouse, several <see cref="EventsIngested"/> messages per transaction.</summary>
internal sealed class WarehouseLoader(WarehouseWriter writer) : IConsumer<Batch<EventsIngested>>
{
    public Task Consume(ConsumeContext<Batch<EventsIngested>> context) =>
        writer.WriteAsync(context.Message.SelectMany(message => message.Message.Events), context.CancellationToken);
}

internal sealed class WarehouseLoaderDefinition : ConsumerDefinition<WarehouseLoader>
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<WarehouseLoader> consumerConfigurator,
        IRegistrationContext context)
    {
        // Small requests arrive as many small messages: gather up to 50 (or what came in 100 ms) into one load.
        consumerConfigurator.Options<BatchOptions>(options => options
            .SetMessageLimit(50)
            .SetTimeLimit(TimeSpan.FromMilliseconds(100))
            .SetConcurrencyLimit(2));
    }
}
