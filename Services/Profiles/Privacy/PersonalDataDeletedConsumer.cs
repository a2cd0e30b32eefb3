using Alle.Contracts;
using MassTransit;

namespace Alle.Profiles.Privacy;

/// <summary>A service confirmed it deleted a person's data for a regulation: record it, and finish the regulation when all have.</summary>
internal sealed class PersonalDataDeletedConsumer(RegulationStore store, ILogger<PersonalDataDeletedConsumer> logger) : IConsumer<PersonalDataDeleted>
{
    public async Task Consume(ConsumeContext<PersonalDataDeleted> context)
    {
        if (!await store.RecordReportAsync(context.Message, context.CancellationToken))
        {
            logger.LogWarning("Deletion report from {Service} names unknown regulation {RegulationId}; ignored", context.Message.Service, context.Message.RegulationId);
        }
    }
}
