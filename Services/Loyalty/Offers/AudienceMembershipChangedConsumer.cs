using Alle.Contracts;
using MassTransit;

namespace Alle.Loyalty.Offers;

/// <summary>Keeps a local copy of audience membership for offer eligibility (idempotent: last change wins by time).</summary>
internal sealed class AudienceMembershipChangedConsumer(OfferCatalog offers) : IConsumer<AudienceMembershipChanged>
{
    public async Task Consume(ConsumeContext<AudienceMembershipChanged> context)
    {
        var change = context.Message;
        if (change.UserId is null)
        {
            // Profiles without a user id are not members; there is nothing to offer them.
            return;
        }
        await offers.RecordMembershipAsync(change.AudienceKey, change.UserId, change.Entered, change.ChangedAt, context.CancellationToken);
    }
}
