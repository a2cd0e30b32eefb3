using Npgsql;

namespace Alle.IntegrationTests.Audiences;

/// <summary>Read-only looks into audiencesdb for what the API does not show (the outbox, stored events).</summary>
public sealed class AudiencesDatabase(DistributedAppFixture app)
{
    public async Task<T?> ScalarAsync<T>(string sql, params object[] values)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString("audiencesdb"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }
        var result = await command.ExecuteScalarAsync();
        return result is null or DBNull ? default : (T)result;
    }

    public async Task<List<string>> TextsAsync(string sql, params object[] values)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString("audiencesdb"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }
        await using var reader = await command.ExecuteReaderAsync();
        var texts = new List<string>();
        while (await reader.ReadAsync())
        {
            texts.Add(reader.GetString(0));
        }
        return texts;
    }

    /// <summary>The name of the profile's latest stored event: a marker that everything published before it was handled.</summary>
    public Task<string?> LastEventAsync(Guid profileId) =>
        ScalarAsync<string>("SELECT name FROM events WHERE profile_id = $1 ORDER BY timestamp DESC LIMIT 1", profileId);

    /// <summary>The Tracking API calls queued for a profile (payloads as JSON), oldest first.</summary>
    public Task<List<string>> CallsAsync(Guid profileId) =>
        TextsAsync("SELECT payload::text FROM outbox_messages WHERE ordering_key = 'profile:' || $1 AND destination = 'tracking' ORDER BY id", profileId);
}
