using Alle.Contracts;
using Alle.Platform.Identifiers;
using Alle.Platform.Outbox;
using Alle.Platform.Sql;
using Npgsql;

namespace Alle.Messaging.Consent;

/// <summary>
/// What a change of consent means beyond the consent itself, in the transaction that records it: each member with the
/// number is announced as <see cref="MemberReachabilityChanged"/> (Audiences counts who can be texted), and journey
/// entries waiting for her to become reachable are woken.
/// </summary>
internal static class MemberReachability
{
    public static async Task AnnounceAsync(NpgsqlConnection connection, IReadOnlyCollection<string> phones, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (phones.Count == 0)
        {
            return;
        }
        var members = await connection.ListAsync("""
            SELECT m.member_id, m.phone,
                   (SELECT subscribed FROM consents c WHERE c.phone = m.phone AND c.category = 'transactional'),
                   (SELECT subscribed FROM consents c WHERE c.phone = m.phone AND c.category = 'marketing')
            FROM members m WHERE m.phone = ANY($1)
            """, reader => (UserId: reader.GetString(0), Phone: reader.GetString(1),
                Transactional: reader.IsDBNull(2) ? (bool?)null : reader.GetBoolean(2), Marketing: reader.IsDBNull(3) ? (bool?)null : reader.GetBoolean(3)),
            cancellationToken, (object)phones.ToArray());
        foreach (var member in members)
        {
            // A suppressed number belongs to a deleted person, whose member record went with her.
            var state = new Sending.ConsentState(member.Transactional, member.Marketing, Suppressed: false);
            var reachability = new MemberReachabilityChanged(member.UserId, PhoneNumberMask.Of(member.Phone),
                Journeys.MemberContact.Consents(state, ConsentCategory.Marketing), Journeys.MemberContact.Consents(state, ConsentCategory.Transactional), now);
            await connection.AddAsync(OutboxEntry.Publish(reachability, $"messaging-reachability-{member.UserId}-{now.UtcTicks}", $"member:{member.UserId}"),
                now, cancellationToken);
        }
        await connection.ExecuteAsync("""
            UPDATE journey_entries SET due_at = $2, updated_at = $2
            WHERE status = 'waiting_contact' AND (user_id IN (SELECT member_id FROM members WHERE phone = ANY($1))
               OR profile_id IN (SELECT l.profile_id FROM profile_links l JOIN members m ON m.member_id = l.user_id WHERE m.phone = ANY($1)))
            """, cancellationToken, phones.ToArray(), now);
    }
}
