using Alle.Loyalty.Outbox;
using Alle.Loyalty.Storage;
using Alle.Platform.Sql;
using Npgsql;

namespace Alle.Loyalty.Providers;

internal sealed record Provider(string ProviderId, string Name, string Address, string City, string State, string Zip, string Phone,
    double Latitude, double Longitude, IReadOnlyList<string> Products)
{
    public const string Columns = "provider_id, name, address, city, state, zip, phone, latitude, longitude, products";

    public static Provider Read(NpgsqlDataReader reader) => new(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
        reader.GetString(4), reader.GetString(5), reader.GetString(6), reader.GetDouble(7), reader.GetDouble(8), reader.GetFieldValue<string[]>(9));

    public GeoPoint Location => new(Latitude, Longitude);
}

internal sealed record ZipCode(string Zip, string City, string State, GeoPoint Center);

internal sealed record ProviderMatch(Provider Provider, double DistanceMiles);

/// <summary>The directory of participating providers, searched by distance from a zip code's centre.</summary>
internal sealed class ProviderDirectory(LoyaltyDatabase database, TimeProvider clock)
{
    public Task<Provider?> FindAsync(string providerId, CancellationToken cancellationToken) =>
        database.DataSource.Command($"SELECT {Provider.Columns} FROM providers WHERE provider_id = $1", providerId).SingleOrDefaultAsync(Provider.Read, cancellationToken);

    public Task<List<Provider>> FindManyAsync(IReadOnlyCollection<string> providerIds, CancellationToken cancellationToken) =>
        providerIds.Count == 0
            ? Task.FromResult(new List<Provider>())
            : database.DataSource.Command($"SELECT {Provider.Columns} FROM providers WHERE provider_id = ANY($1) ORDER BY name", (object)providerIds.ToArray())
                .ListAsync(Provider.Read, cancellationToken);

    public Task<ZipCode?> ZipAsync(string zip, CancellationToken cancellationToken) =>
        database.DataSource.Command("SELECT zip, city, state, latitude, longitude FROM zip_codes WHERE zip = $1", zip)
            .SingleOrDefaultAsync(reader => new ZipCode(reader.GetString(0), reader.GetString(1), reader.GetString(2), new GeoPoint(reader.GetDouble(3), reader.GetDouble(4))), cancellationToken);

    public async Task<IReadOnlyList<ProviderMatch>> SearchAsync(GeoPoint center, double radiusMiles, string? product, string? name, int limit, CancellationToken cancellationToken)
    {
        var (min, max) = GeoDistance.BoundingBox(center, radiusMiles);
        var candidates = await database.DataSource.Command($"""
            SELECT {Provider.Columns} FROM providers
            WHERE latitude BETWEEN $1 AND $2 AND longitude BETWEEN $3 AND $4 AND ($5::text IS NULL OR $5::text = ANY(products))
              AND ($6::text IS NULL OR name ILIKE $6)
            """, min.Latitude, max.Latitude, min.Longitude, max.Longitude, Sql.Text(product), Sql.Text(NamePattern(name)))
            .ListAsync(Provider.Read, cancellationToken);
        return candidates
            .Select(provider => new ProviderMatch(provider, GeoDistance.Miles(center, provider.Location)))
            .Where(match => match.DistanceMiles <= radiusMiles)
            .OrderBy(match => match.DistanceMiles)
            .ThenBy(match => match.Provider.Name, StringComparer.Ordinal)
            .Take(limit)
            .ToList();
    }

    /// <summary>The <paramref name="count"/> providers nearest to <paramref name="center"/>, however far (the directory is small).</summary>
    public async Task<IReadOnlyList<ProviderMatch>> NearestAsync(GeoPoint center, string? product, string? name, int count, CancellationToken cancellationToken) =>
        (await database.DataSource.Command($"SELECT {Provider.Columns} FROM providers WHERE ($1::text IS NULL OR $1::text = ANY(products)) AND ($2::text IS NULL OR name ILIKE $2)",
            Sql.Text(product), Sql.Text(NamePattern(name)))
            .ListAsync(Provider.Read, cancellationToken))
            .Select(provider => new ProviderMatch(provider, GeoDistance.Miles(center, provider.Location)))
            .OrderBy(match => match.DistanceMiles)
            .ThenBy(match => match.Provider.Name, StringComparer.Ordinal)
            .Take(count)
            .ToList();

    /// <summary>Providers whose name contains <paramref name="name"/> (any case), by name.</summary>
    public Task<List<Provider>> ByNameAsync(string name, string? product, int limit, CancellationToken cancellationToken) =>
        database.DataSource.Command($"""
            SELECT {Provider.Columns} FROM providers WHERE name ILIKE $1 AND ($2::text IS NULL OR $2::text = ANY(products))
            ORDER BY name, provider_id LIMIT $3
            """, NamePattern(name)!, Sql.Text(product), limit).ListAsync(Provider.Read, cancellationToken);

    /// <summary>An ILIKE pattern matching names that contain <paramref name="name"/> literally (its %, _ and \ escaped).</summary>
    public static string? NamePattern(string? name) => name is null
        ? null
        : "%" + name.Replace(@"\", @"\\", StringComparison.Ordinal).Replace("%", @"\%", StringComparison.Ordinal).Replace("_", @"\_", StringComparison.Ordinal) + "%";

    /// <summary>Records the <c>Provider Searched</c> fact for a member's search.</summary>
    public Task RecordSearchAsync(string memberId, string zip, double radiusMiles, string? product, IReadOnlyList<ProviderMatch> results, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async transaction =>
        {
            var now = clock.GetUtcNow();
            await transaction.TrackAsync($"provider-searched:{Guid.CreateVersion7(now):N}", memberId, "Provider Searched", new
            {
                zip, radiusMiles, product, resultCount = results.Count,
                providerIds = results.Take(10).Select(match => match.Provider.ProviderId),
            }, now, cancellationToken);
            return 0;
        }, cancellationToken);
}
