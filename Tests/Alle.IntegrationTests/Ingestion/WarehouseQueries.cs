using Npgsql;

namespace Alle.IntegrationTests.Ingestion;

/// <summary>Reads what the warehouse loader wrote, as a data team would.</summary>
internal sealed class WarehouseQueries(DistributedAppFixture app)
{
    public async Task<long> CountAsync(string sql, params object[] parameters)
    {
        await using var dataSource = NpgsqlDataSource.Create(app.ConnectionString("warehousedb"));
        await using var command = dataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    /// <summary>The first row of a query as column → value, or null.</summary>
    public async Task<Dictionary<string, object?>?> RowAsync(string sql, params object[] parameters)
    {
        await using var dataSource = NpgsqlDataSource.Create(app.ConnectionString("warehousedb"));
        await using var command = dataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            return null;
        }
        return Enumerable.Range(0, reader.FieldCount).ToDictionary(reader.GetName, i => reader.IsDBNull(i) ? null : reader.GetValue(i));
    }

    /// <summary>Waits until the query finds a row (the loader works asynchronously).</summary>
    public Task<Dictionary<string, object?>> EventuallyRowAsync(string sql, params object[] parameters) =>
        Eventually.GetAsync(() => RowAsync(sql, parameters), TimeSpan.FromSeconds(30), $"a warehouse row for: {sql}");

    public Task EventuallyCountAsync(long expected, string sql, params object[] parameters) =>
        Eventually.TrueAsync(async () => await CountAsync(sql, parameters) == expected, TimeSpan.FromSeconds(30), $"{expected} rows for: {sql}");
}
