using Alle.Contracts;
using MassTransit;

namespace Alle.Ingestion.Suppression;

/// <summary>Profiles' SUPPRESS / UNSUPPRESS regulations: later events carrying these identifiers are dropped at ingestion.</summary>
internal sealed class SubjectsSuppressedConsumer(SuppressionList suppressionList) : IConsumer<SubjectsSuppressed>
{
    public Task Consume(ConsumeContext<SubjectsSuppressed> context) => suppressionList.ApplyAsync(context.Message, context.CancellationToken);
}
