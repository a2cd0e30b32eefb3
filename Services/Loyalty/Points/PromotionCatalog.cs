using Alle.Loyalty.Storage;
using Alle.Platform.Sql;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Alle.Loyalty.Points;

/// <summary>Promotions from configuration plus those created through the rules API (stored in the database).</summary>
internal sealed class PromotionCatalog(LoyaltyDatabase database, IOptions<LoyaltyOptions> options)
{
    public IReadOnlyList<Promotion> Configured => options.Value.Points.Promotions;

    public async Task<IReadOnlyList<Promotion>> RunningAtAsync(NpgsqlTransaction transaction, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var stored = await transaction.Command("""
            SELECT promotion_id, name, products, multiplier, starts_at, ends_at FROM promotions WHERE starts_at <= $1 AND ends_at > $1
            """, at).ListAsync(Read, cancellationToken);
        return [.. Configured.Where(p => at >= p.StartsAt && at < p.EndsAt), .. stored];
    }

    public Task<List<Promotion>> StoredAsync(CancellationToken cancellationToken) =>
        database.DataSource.Command("SELECT promotion_id, name, products, multiplier, starts_at, ends_at FROM promotions ORDER BY starts_at DESC")
            .ListAsync(Read, cancellationToken);

    public async Task<Promotion> CreateAsync(string name, IReadOnlyList<string> products, decimal multiplier, DateTimeOffset startsAt, DateTimeOffset endsAt, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var id = Guid.CreateVersion7(now);
        await using var command = database.DataSource.Command("""
            INSERT INTO promotions (promotion_id, name, products, multiplier, starts_at, ends_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
            """, id, name, products.ToArray(), multiplier, startsAt.ToUniversalTime(), endsAt.ToUniversalTime(), now);
        await command.ExecuteNonQueryAsync(cancellationToken);
        return new Promotion { Id = id.ToString(), Name = name, Products = [.. products], Multiplier = multiplier, StartsAt = startsAt, EndsAt = endsAt };
    }

    /// <summary>Ends a stored promotion now (purchases already credited keep their points).</summary>
    public async Task<bool> EndAsync(Guid promotionId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.Command("""
            UPDATE promotions SET ends_at = GREATEST(starts_at + interval '1 microsecond', LEAST(ends_at, $2)) WHERE promotion_id = $1
            """, promotionId, now);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    private static Promotion Read(NpgsqlDataReader reader) => new()
    {
        Id = reader.GetGuid(0).ToString(),
        Name = reader.GetString(1),
        Products = [.. reader.GetFieldValue<string[]>(2)],
        Multiplier = reader.GetDecimal(3),
        StartsAt = reader.Instant(4),
        EndsAt = reader.Instant(5),
    };
}
