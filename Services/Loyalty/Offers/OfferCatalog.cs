using Alle.Loyalty.Storage;
using Alle.Platform.Sql;
using Npgsql;

namespace Alle.Loyalty.Offers;

internal sealed record OfferDraft(
    OfferKind Kind, string Title, string? Description, decimal Value, IReadOnlyList<string> Products, IReadOnlyList<string> ProviderIds,
    string? AudienceKey, DateTimeOffset StartsAt, DateTimeOffset EndsAt, int CouponValidDays);

/// <summary>Offer definitions (standard and flash) and the audiences members belong to.</summary>
internal sealed class OfferCatalog(LoyaltyDatabase database, TimeProvider clock)
{
    private const string Columns = "offer_id, kind, title, description, value, products, provider_ids, audience_key, starts_at, ends_at, coupon_valid_days, active, created_at";

    /// <summary>The columns <see cref="Read"/> expects, qualified by a table alias.</summary>
    public static string ColumnsOf(string alias) => string.Join(", ", Columns.Split(", ").Select(column => $"{alias}.{column}"));

    public async Task<Offer> CreateAsync(OfferDraft draft, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var command = database.DataSource.Command($"""
            INSERT INTO offers (offer_id, kind, title, description, value, products, provider_ids, audience_key, starts_at, ends_at, coupon_valid_days, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
            RETURNING {Columns}
            """, Guid.CreateVersion7(now), draft.Kind == OfferKind.Flash ? "flash" : "standard", draft.Title, Sql.Text(draft.Description), draft.Value,
            draft.Products.ToArray(), draft.ProviderIds.ToArray(), Sql.Text(draft.AudienceKey), draft.StartsAt.ToUniversalTime(), draft.EndsAt.ToUniversalTime(),
            draft.CouponValidDays, now);
        return (await command.SingleOrDefaultAsync(Read, cancellationToken))!;
    }

    /// <summary>The newest 500 offers, each with its coupons issued and redeemed, counted in one grouped query.</summary>
    public Task<List<(Offer Offer, long Issued, long Redeemed)>> ListWithCouponCountsAsync(CancellationToken cancellationToken) =>
        database.DataSource.Command($"""
            WITH listed AS (SELECT {Columns} FROM offers ORDER BY created_at DESC LIMIT 500),
                 counts AS (SELECT offer_id, count(*) AS issued, count(redeemed_at) AS redeemed FROM coupons
                            WHERE offer_id IN (SELECT offer_id FROM listed) GROUP BY offer_id)
            SELECT {ColumnsOf("l")}, coalesce(c.issued, 0), coalesce(c.redeemed, 0)
            FROM listed l LEFT JOIN counts c ON c.offer_id = l.offer_id
            ORDER BY l.created_at DESC
            """).ListAsync(reader => (Read(reader), reader.GetInt64(13), reader.GetInt64(14)), cancellationToken);

    public Task<Offer?> FindAsync(Guid offerId, CancellationToken cancellationToken) =>
        database.DataSource.Command($"SELECT {Columns} FROM offers WHERE offer_id = $1", offerId).SingleOrDefaultAsync(Read, cancellationToken);

    public static Task<Offer?> FindAsync(NpgsqlTransaction transaction, Guid offerId, CancellationToken cancellationToken) =>
        transaction.Command($"SELECT {Columns} FROM offers WHERE offer_id = $1", offerId).SingleOrDefaultAsync(Read, cancellationToken);

    public async Task<bool> DeactivateAsync(Guid offerId, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.Command("UPDATE offers SET active = false WHERE offer_id = $1", offerId);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>Standard offers running now (flash offers are revealed at check-in, not listed).</summary>
    public Task<List<Offer>> RunningAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        database.DataSource.Command($"SELECT {Columns} FROM offers WHERE kind = 'standard' AND active AND starts_at <= $1 AND ends_at > $1 ORDER BY value DESC", now)
            .ListAsync(Read, cancellationToken);

    /// <summary>Flash offers running now at a provider that the member has no coupon for yet, best first.</summary>
    public static Task<List<Offer>> RunningFlashOffersAsync(NpgsqlTransaction transaction, string providerId, string memberId, DateTimeOffset now, CancellationToken cancellationToken) =>
        transaction.Command($"""
            SELECT {Columns} FROM offers o
            WHERE o.kind = 'flash' AND o.active AND o.starts_at <= $1 AND o.ends_at > $1 AND $2 = ANY(o.provider_ids)
              AND NOT EXISTS (SELECT 1 FROM coupons c WHERE c.offer_id = o.offer_id AND c.member_id = $3)
            ORDER BY o.value DESC, o.created_at
            """, now, providerId, memberId).ListAsync(Read, cancellationToken);

    public static async Task<IReadOnlySet<string>> AudiencesOfAsync(NpgsqlTransaction transaction, string memberId, CancellationToken cancellationToken) =>
        (await transaction.Command("SELECT audience_key FROM audience_memberships WHERE user_id = $1 AND is_member", memberId)
            .ListAsync(reader => reader.GetString(0), cancellationToken)).ToHashSet(StringComparer.Ordinal);

    public async Task<IReadOnlySet<string>> AudiencesOfAsync(string memberId, CancellationToken cancellationToken) =>
        (await database.DataSource.Command("SELECT audience_key FROM audience_memberships WHERE user_id = $1 AND is_member", memberId)
            .ListAsync(reader => reader.GetString(0), cancellationToken)).ToHashSet(StringComparer.Ordinal);

    /// <summary>Records Audiences' latest word on a membership; an older message arriving late does not undo a newer one.</summary>
    public async Task RecordMembershipAsync(string audienceKey, string userId, bool isMember, DateTimeOffset changedAt, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.Command("""
            INSERT INTO audience_memberships (audience_key, user_id, is_member, changed_at) VALUES ($1, $2, $3, $4)
            ON CONFLICT (audience_key, user_id) DO UPDATE SET is_member = excluded.is_member, changed_at = excluded.changed_at
            WHERE audience_memberships.changed_at <= excluded.changed_at
            """, audienceKey, userId, isMember, changedAt.ToUniversalTime());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    internal static Offer Read(NpgsqlDataReader reader) => Read(reader, 0);

    /// <summary>An offer whose columns start at <paramref name="first"/> (after another table's columns in a join).</summary>
    internal static Offer Read(NpgsqlDataReader reader, int first) => new(
        reader.GetGuid(first), reader.GetString(first + 1) == "flash" ? OfferKind.Flash : OfferKind.Standard, reader.GetString(first + 2),
        reader.NullableString(first + 3), reader.GetDecimal(first + 4), reader.GetFieldValue<string[]>(first + 5), reader.GetFieldValue<string[]>(first + 6),
        reader.NullableString(first + 7), reader.Instant(first + 8), reader.Instant(first + 9), reader.GetInt32(first + 10), reader.GetBoolean(first + 11),
        reader.Instant(first + 12));
}
