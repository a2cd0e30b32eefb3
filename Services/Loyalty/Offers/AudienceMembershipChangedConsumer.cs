using Alle.Contracts;
using MassTransit;

namespace Alle.Loyalty.Offers;

/// <summary>
/// Keeps a local copy of audience membership for offer eligibility (idempotent: last change wins by time), several
/// changes per transaction: an audience that fills up sends one message per member who enters it.
/// </summary>
internal sealed class AudienceMembershipChangedConsumer(OfferCatalog offers) : IConsumer<Batch<AudienceMembershipChanged>>
{
    public Task Consume(ConsumeContext<Batch<AudienceMembershipChanged>> context) =>
        offers.RecordMembershipsAsync(MembershipChanges.Latest(context.Message.Select(message => message.Message)), context.CancellationToken);
}

internal sealed class AudienceMembershipChangedConsumerDefinition : ConsumerDefinition<AudienceMembershipChangedConsumer>
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<AudienceMembershipChangedConsumer> consumerConfigurator, IRegistrationContext context)
    {
        consumerConfigurator.Options<BatchOptions>(options => options
            .SetMessageLimit(100)
            .SetTimeLimit(TimeSpan.FromMilliseconds(50))
            .SetConcurrencyLimit(2));
    }
}

/// <summary>Which membership changes of a batch to record.</summary>
internal static class MembershipChanges
{
    /// <summary>
    /// Each member's latest change per audience (of equal times, the later delivered, as one by one would record it);
    /// profiles without a user id are not members, so there is nothing to offer them.
    /// </summary>
    public static IReadOnlyList<AudienceMembershipChanged> Latest(IEnumerable<AudienceMembershipChanged> changes) =>
        [.. changes
            .Where(change => change.UserId is not null)
            .GroupBy(change => (change.AudienceKey, change.UserId!))
            .Select(member => member.OrderBy(change => change.ChangedAt).Last())];
}
