using Npgsql;

namespace Alle.EndToEndTests.Ingestion;

/// <summary>Reads warehousedb as a data team would.</summary>
internal sealed class WarehouseQueries(DistributedAppFixture app)
{
    /// <summary>How many times each id appears in a table, for ids starting with <paramref name="prefix"/>.</summary>
    public async Task<Dictionary<string, long>> CountByIdAsync(string table, string prefix)
    {
        await using var dataSource = NpgsqlDataSource.Create(app.ConnectionString("warehousedb"));
        await using var command = dataSource.CreateCommand($"SELECT id, count(*) FROM {table} WHERE id LIKE $1 GROUP BY id");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = prefix + "%" });
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            counts[reader.GetString(0)] = reader.GetInt64(1);
        }
        return counts;
    }

    /// <summary>The first row with this id, as column → value, or null.</summary>
    public async Task<Dictionary<string, object?>?> RowAsync(string table, string id)
    {
        await using var dataSource = NpgsqlDataSource.Create(app.ConnectionString("warehousedb"));
        await using var command = dataSource.CreateCommand($"SELECT * FROM {table} WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync()
            ? Enumerable.Range(0, reader.FieldCount).ToDictionary(reader.GetName, i => reader.IsDBNull(i) ? null : reader.GetValue(i))
            : null;
    }
}
