using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;

namespace Alle.FaultTests.Scenarios;

/// <summary>Where the fault tests look for what arrived: the warehouse, the profile timelines and computed traits.</summary>
public sealed class Stores(DistributedAppFixture app)
{
    /// <summary>How many rows of a warehouse table (<c>tracks</c>, <c>identifies</c>…) carry each id starting with <paramref name="prefix"/>.</summary>
    public Task<Dictionary<string, long>> WarehouseByPrefixAsync(string table, string prefix) =>
        CountsAsync("warehousedb", $"SELECT id, count(*) FROM {table} WHERE id LIKE $1 GROUP BY id", prefix + "%");

    /// <summary>The same for the rows with one of <paramref name="ids"/> and every row of one of <paramref name="userIds"/>.</summary>
    public Task<Dictionary<string, long>> WarehouseAsync(string table, IReadOnlyCollection<string> ids, IReadOnlyCollection<string> userIds) =>
        CountsAsync("warehousedb", $"SELECT id, count(*) FROM {table} WHERE id = ANY($1) OR user_id = ANY($2) GROUP BY id", ids.ToArray(), userIds.ToArray());

    /// <summary>
    /// How often each event is on a timeline, and on the right one: an event with a user id counts only on the profile
    /// that holds that user id.
    /// </summary>
    public Task<Dictionary<string, long>> TimelinesByPrefixAsync(string prefix) =>
        CountsAsync("profilesdb", $"{TimelineCounts} WHERE e.message_id LIKE $1 AND {OnItsProfile} GROUP BY e.message_id", prefix + "%");

    public Task<Dictionary<string, long>> TimelinesAsync(IReadOnlyCollection<string> messageIds, IReadOnlyCollection<string> userIds) =>
        CountsAsync("profilesdb", $"{TimelineCounts} WHERE (e.message_id = ANY($1) OR e.user_id = ANY($2)) AND {OnItsProfile} GROUP BY e.message_id",
            messageIds.ToArray(), userIds.ToArray());

    private const string TimelineCounts = "SELECT e.message_id, count(*) FROM events e";

    private const string OnItsProfile = """
        (e.user_id IS NULL OR EXISTS (SELECT 1 FROM identities i WHERE i.type = 'user_id' AND i.value = e.user_id AND i.profile_id = e.profile_id))
        """;

    /// <summary>A computed trait's value per user id, through the Audiences API.</summary>
    public async Task<Dictionary<string, long>> ComputedValuesAsync(string trait)
    {
        var values = new Dictionary<string, long>(StringComparer.Ordinal);
        string? after = null;
        do
        {
            var page = await app.AdminGateway.GetFromJsonAsync<JsonElement>(
                $"/api/audiences/computed-traits/{trait}/values?limit=500{(after is null ? "" : $"&after={after}")}");
            foreach (var value in page.GetProperty("data").EnumerateArray())
            {
                if (value.GetProperty("userId").GetString() is { } userId)
                {
                    values[userId] = value.GetProperty("value").GetInt64();
                }
            }
            after = page.GetProperty("next").ValueKind == JsonValueKind.String ? page.GetProperty("next").GetString() : null;
        }
        while (after is not null);
        return values;
    }

    /// <summary>Rows of a query on one of the application's databases, one value per column.</summary>
    public async Task<List<object?[]>> QueryAsync(string database, string sql, params object[] arguments)
    {
        await using var dataSource = NpgsqlDataSource.Create(app.ConnectionString(database));
        await using var command = dataSource.CreateCommand(sql);
        foreach (var argument in arguments)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = argument });
        }
        var rows = new List<object?[]>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }
            rows.Add(row);
        }
        return rows;
    }

    private async Task<Dictionary<string, long>> CountsAsync(string database, string sql, params object[] arguments) =>
        (await QueryAsync(database, sql, arguments)).ToDictionary(row => (string)row[0]!, row => Convert.ToInt64(row[1], System.Globalization.CultureInfo.InvariantCulture),
            StringComparer.Ordinal);
}
