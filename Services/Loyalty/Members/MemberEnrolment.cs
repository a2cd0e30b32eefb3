using Alle.Contracts;
using Alle.Loyalty.Outbox;
using Alle.Loyalty.Points;
using Alle.Loyalty.Storage;
using Alle.Loyalty.Tiers;
using Alle.Platform.Sql;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Alle.Loyalty.Members;

internal enum EnrolmentOutcome { Created, Claimed, AlreadyEnrolled }

/// <param name="Phone">E.164, verified by the portal.</param>
internal sealed record Enrolment(
    string Phone, string FirstName, string LastName, string? Email, DateOnly? Birthday, string? Zip,
    bool TransactionalConsent, bool MarketingConsent, string ConsentWording, string Source);

/// <summary>Changes to a member's details: null leaves a field as it is, "" clears an optional one.</summary>
internal sealed record MemberDetails(string? FirstName, string? LastName, string? Email, DateOnly? Birthday, string? Zip);

/// <summary>
/// Enrolment and provider pre-registration. A phone number has at most one member record (a unique constraint):
/// the member's own enrolment claims the record a provider created for her number, and concurrent enrolments of one
/// number end with one member.
/// </summary>
internal sealed class MemberEnrolment(LoyaltyDatabase database, TierPolicy tiers, TimeProvider clock, IOptions<LoyaltyOptions> options)
{
    public string DefaultConsentWording => options.Value.Members.DefaultConsentWording;

    public Task<(EnrolmentOutcome Outcome, Member Member)> EnrolAsync(Enrolment enrolment, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async transaction =>
        {
            var now = clock.GetUtcNow();
            var inserted = await transaction.Command($"""
                INSERT INTO members (member_id, phone, status, first_name, last_name, email, birthday, zip, transactional_consent,
                                     marketing_consent, consent_wording, enrolment_source, tier, created_at, enrolled_at)
                VALUES ($1, $2, 'enrolled', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)
                ON CONFLICT (phone) DO NOTHING
                RETURNING {Member.Columns}
                """, MemberId.New(), enrolment.Phone, enrolment.FirstName, enrolment.LastName, Sql.Text(enrolment.Email), Sql.Date(enrolment.Birthday),
                Sql.Text(enrolment.Zip), enrolment.TransactionalConsent, enrolment.MarketingConsent, enrolment.ConsentWording, enrolment.Source,
                tiers.Base.Key, now).SingleOrDefaultAsync(Member.Read, cancellationToken);

            if (inserted is not null)
            {
                await RecordEnrolmentAsync(transaction, inserted, enrolment, claimedFrom: null, now, cancellationToken);
                return (EnrolmentOutcome.Created, inserted);
            }

            var existing = await transaction.Command($"SELECT {Member.Columns}, pre_registered_by FROM members WHERE phone = $1 FOR UPDATE", enrolment.Phone)
                .SingleOrDefaultAsync(reader => (Member: Member.Read(reader), PreRegisteredBy: reader.NullableString(13)), cancellationToken);
            var (member, preRegisteredBy) = existing;
            if (member is null)
            {
                throw new InvalidOperationException("The member holding this phone number disappeared during enrolment; retry.");
            }
            if (member.Status == MemberStatus.Enrolled)
            {
                return (EnrolmentOutcome.AlreadyEnrolled, member);
            }

            var claimed = await transaction.Command($"""
                UPDATE members SET status = 'enrolled', first_name = $2, last_name = $3, email = $4, birthday = $5, zip = $6,
                    transactional_consent = $7, marketing_consent = $8, consent_wording = $9, enrolment_source = $10, enrolled_at = $11
                WHERE member_id = $1
                RETURNING {Member.Columns}
                """, member.MemberId, enrolment.FirstName, enrolment.LastName, Sql.Text(enrolment.Email), Sql.Date(enrolment.Birthday), Sql.Text(enrolment.Zip),
                enrolment.TransactionalConsent, enrolment.MarketingConsent, enrolment.ConsentWording, enrolment.Source, now)
                .SingleOrDefaultAsync(Member.Read, cancellationToken);
            await RecordEnrolmentAsync(transaction, claimed!, enrolment, preRegisteredBy ?? "provider", now, cancellationToken);
            return (EnrolmentOutcome.Claimed, claimed!);
        }, cancellationToken);

    /// <summary>A provider registers a patient by phone at the front desk; the record waits for her own enrolment.</summary>
    public Task<(bool Created, Member Member)> PreRegisterAsync(string providerId, string phone, string? firstName, string? lastName, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async transaction =>
        {
            var now = clock.GetUtcNow();
            var inserted = await transaction.Command($"""
                INSERT INTO members (member_id, phone, status, first_name, last_name, tier, pre_registered_by, created_at)
                VALUES ($1, $2, 'pre_registered', $3, $4, $5, $6, $7)
                ON CONFLICT (phone) DO NOTHING
                RETURNING {Member.Columns}
                """, MemberId.New(), phone, Sql.Text(firstName), Sql.Text(lastName), tiers.Base.Key, providerId, now).SingleOrDefaultAsync(Member.Read, cancellationToken);
            if (inserted is null)
            {
                var existing = await transaction.Command($"SELECT {Member.Columns} FROM members WHERE phone = $1", phone).SingleOrDefaultAsync(Member.Read, cancellationToken);
                return (false, existing!);
            }
            await transaction.TrackAsync($"member-pre-registered:{inserted.MemberId}", inserted.MemberId, "Member Pre-Registered", new { providerId }, now, cancellationToken);
            await transaction.IdentifyAsync(inserted.MemberId, inserted.Traits(new PointsBalance(0, 0, 0)), now, cancellationToken);
            return (true, inserted);
        }, cancellationToken);

    /// <summary>The member's own changes to her details; the profile hears of them through an identify call. Null when she does not exist.</summary>
    public Task<Member?> UpdateDetailsAsync(string memberId, MemberDetails details, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async transaction =>
        {
            var now = clock.GetUtcNow();
            var updated = await transaction.Command($"""
                UPDATE members SET first_name = COALESCE($2, first_name), last_name = COALESCE($3, last_name),
                    email = CASE WHEN $4::text IS NULL THEN email ELSE NULLIF($4, '') END,
                    birthday = COALESCE($5, birthday),
                    zip = CASE WHEN $6::text IS NULL THEN zip ELSE NULLIF($6, '') END
                WHERE member_id = $1
                RETURNING {Member.Columns}
                """, memberId, Sql.Text(details.FirstName), Sql.Text(details.LastName), Sql.Text(details.Email), Sql.Date(details.Birthday), Sql.Text(details.Zip))
                .SingleOrDefaultAsync(Member.Read, cancellationToken);
            if (updated is not null)
            {
                var balance = PointsBalance.At(await transaction.EntriesAsync(memberId, cancellationToken), now);
                await transaction.IdentifyAsync(memberId, updated.Traits(balance), now, cancellationToken);
            }
            return updated;
        }, cancellationToken);

    public async Task<Member?> FindAsync(string memberId, CancellationToken cancellationToken) =>
        await database.DataSource.Command($"SELECT {Member.Columns} FROM members WHERE member_id = $1", memberId).SingleOrDefaultAsync(Member.Read, cancellationToken);

    public async Task<Member?> FindByPhoneAsync(string phone, CancellationToken cancellationToken) =>
        await database.DataSource.Command($"SELECT {Member.Columns} FROM members WHERE phone = $1", phone).SingleOrDefaultAsync(Member.Read, cancellationToken);

    private static async Task RecordEnrolmentAsync(NpgsqlTransaction transaction, Member member, Enrolment enrolment, string? claimedFrom, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var balance = PointsBalance.At(await transaction.EntriesAsync(member.MemberId, cancellationToken), now);
        await transaction.IdentifyAsync(member.MemberId, member.Traits(balance), now, cancellationToken);
        await transaction.TrackAsync($"member-enrolled:{member.MemberId}", member.MemberId, "Member Enrolled", new
        {
            source = enrolment.Source,
            claimedPreRegistration = claimedFrom is not null,
            preRegisteredBy = claimedFrom,
            marketingConsent = enrolment.MarketingConsent,
            tier = member.Tier,
            pointsAvailable = balance.Available,
            pointsPending = balance.Pending,
        }, now, cancellationToken);
        await transaction.PublishAsync($"member-enrolled:{member.MemberId}", new MemberEnrolled(
            member.MemberId, member.Phone, enrolment.TransactionalConsent, enrolment.MarketingConsent, enrolment.ConsentWording, enrolment.Source, now),
            member.MemberId, now, cancellationToken);
    }
}
