using Alle.Contracts;
using Alle.Platform.Identifiers;
using MassTransit;
using Npgsql;

namespace Alle.Messaging.Consent;

/// <summary>
/// Records the consent a member gave when she joined, with the exact wording she saw as evidence, and remembers her
/// number for the preferences API. Idempotent: the audit entry is keyed by member, category and enrolment time.
/// </summary>
internal sealed class MemberEnrolledConsumer(NpgsqlDataSource dataSource, PhoneNumberNormalizer phones, ILogger<MemberEnrolledConsumer> logger) : IConsumer<MemberEnrolled>
{
    public async Task Consume(ConsumeContext<MemberEnrolled> context)
    {
        var enrolled = context.Message;
        if (phones.ToE164(enrolled.Phone) is not { } phone)
        {
            logger.LogWarning("Enrolment of member {MemberId} carries no usable phone number; no consent recorded", enrolled.MemberId);
            return;
        }

        var source = $"enrolment:{enrolled.Source}";
        var key = $"enrolled:{enrolled.MemberId}:{enrolled.EnrolledAt.ToUnixTimeMilliseconds()}";
        await using var connection = await dataSource.OpenConnectionAsync(context.CancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(context.CancellationToken);
        await using (var member = new NpgsqlCommand("""
            INSERT INTO members (member_id, phone, enrolled_at) VALUES ($1, $2, $3)
            ON CONFLICT (member_id) DO UPDATE SET phone = EXCLUDED.phone, enrolled_at = EXCLUDED.enrolled_at
                WHERE members.enrolled_at <= EXCLUDED.enrolled_at
            """, connection, transaction))
        {
            member.Parameters.AddWithValue(enrolled.MemberId);
            member.Parameters.AddWithValue(phone);
            member.Parameters.AddWithValue(enrolled.EnrolledAt);
            await member.ExecuteNonQueryAsync(context.CancellationToken);
        }
        await ConsentStore.ApplyAsync(connection, transaction,
        [
            new ConsentChange(phone, ConsentCategory.Transactional, enrolled.TransactionalConsent, source, enrolled.ConsentWording, enrolled.EnrolledAt, $"{key}:transactional"),
            new ConsentChange(phone, ConsentCategory.Marketing, enrolled.MarketingConsent, source, enrolled.ConsentWording, enrolled.EnrolledAt, $"{key}:marketing"),
        ], context.CancellationToken);
        await transaction.CommitAsync(context.CancellationToken);
        logger.LogInformation("Consent recorded for member {MemberId} (marketing: {Marketing})", enrolled.MemberId, enrolled.MarketingConsent);
    }
}
