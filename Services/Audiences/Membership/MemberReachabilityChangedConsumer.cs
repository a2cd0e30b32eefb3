using Alle.Contracts;
using Alle.Platform.Sql;
using MassTransit;
using Npgsql;

namespace Alle.Audiences.Membership;

/// <summary>Keeps the newest word from Messaging on whether a member can be texted; an older announcement arriving late changes nothing.</summary>
internal sealed class MemberReachabilityChangedConsumer(NpgsqlDataSource dataSource) : IConsumer<MemberReachabilityChanged>
{
    public async Task Consume(ConsumeContext<MemberReachabilityChanged> context)
    {
        var change = context.Message;
        await using var connection = await dataSource.OpenConnectionAsync(context.CancellationToken);
        await connection.ExecuteAsync("""
            INSERT INTO member_reachability (user_id, masked_phone, marketing, transactional, changed_at) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (user_id) DO UPDATE SET masked_phone = EXCLUDED.masked_phone, marketing = EXCLUDED.marketing,
                transactional = EXCLUDED.transactional, changed_at = EXCLUDED.changed_at
            WHERE member_reachability.changed_at <= EXCLUDED.changed_at
            """, context.CancellationToken, change.UserId, Sql.Text(change.MaskedPhone), change.Marketing, change.Transactional, change.ChangedAt);
    }
}
