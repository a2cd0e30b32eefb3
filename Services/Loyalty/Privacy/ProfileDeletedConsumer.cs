using Alle.Contracts;
using Alle.Loyalty.Outbox;
using Alle.Loyalty.Storage;
using Alle.Platform.Identifiers;
using Alle.Platform.Outbox;
using Alle.Platform.Sql;
using MassTransit;

namespace Alle.Loyalty.Privacy;

/// <summary>
/// A deletion regulation: every row Loyalty holds about the person (member record, ledger, purchases, coupons,
/// check-ins, audience memberships, facts still in the outbox) is deleted, not anonymised, and
/// <see cref="PersonalDataDeleted"/> is reported once per regulation (a redelivery deletes nothing more and reports nothing new).
/// </summary>
internal sealed class ProfileDeletedConsumer(LoyaltyDatabase database, PhoneNumberNormalizer phoneNumbers, TimeProvider clock, ILogger<ProfileDeletedConsumer> logger)
    : IConsumer<ProfileDeleted>
{
    public const string ServiceName = "loyalty";

    public async Task Consume(ConsumeContext<ProfileDeleted> context)
    {
        var deletion = context.Message;
        var userIds = Values(deletion, "user_id").ToArray();
        var phones = Values(deletion, "phone").Select(phoneNumbers.ToE164).OfType<string>().ToArray();
        var emails = Values(deletion, "email").Select(EmailNormalizer.Normalize).OfType<string>().ToArray();

        await database.InTransactionAsync(async transaction =>
        {
            var memberIds = await transaction.Command("""
                SELECT member_id FROM members WHERE member_id = ANY($1) OR phone = ANY($2) OR lower(email) = ANY($3) FOR UPDATE
                """, userIds, phones, emails).ListAsync(reader => reader.GetString(0), cancellationToken: context.CancellationToken);
            var subjects = memberIds.Union(userIds).ToArray();

            long deleted = 0;
            foreach (var table in new[] { "check_ins", "coupons", "point_maturations", "ledger_entries", "purchases", "members" })
            {
                deleted += await transaction.ExecuteAsync($"DELETE FROM {table} WHERE member_id = ANY($1)", context.CancellationToken, (object)subjects);
            }
            deleted += await transaction.Connection!.ForgetAsync([.. subjects.Select(FactOutbox.MemberKey)], context.CancellationToken);
            deleted += await transaction.ExecuteAsync("DELETE FROM audience_memberships WHERE user_id = ANY($1)", context.CancellationToken, (object)subjects);

            var now = clock.GetUtcNow();
            await transaction.PublishAsync($"personal-data-deleted:{deletion.RegulationId}",
                new PersonalDataDeleted(deletion.RegulationId, deletion.ProfileId, ServiceName, deleted, now), memberId: null, now, context.CancellationToken);
            logger.LogInformation("Regulation {RegulationId}: deleted {Rows} loyalty rows for profile {ProfileId}", deletion.RegulationId, deleted, deletion.ProfileId);
            return deleted;
        }, context.CancellationToken);
    }

    private static IEnumerable<string> Values(ProfileDeleted deletion, string type) =>
        deletion.Identifiers.Where(identifier => identifier.Type == type && !string.IsNullOrWhiteSpace(identifier.Value)).Select(identifier => identifier.Value);
}
