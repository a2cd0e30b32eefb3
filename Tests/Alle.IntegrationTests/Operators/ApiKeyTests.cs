using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Alle.IntegrationTests.Operators;

/// <summary>API keys: shown once, stored hashed, scoped, last use recorded, revocation immediate.</summary>
[Collection(StackCollection.Name)]
public sealed class ApiKeyTests(DistributedAppFixture app)
{
    [Fact]
    public async Task A_key_is_shown_once_works_in_place_of_the_admin_key_records_its_last_use_and_stops_when_revoked()
    {
        var name = $"nightly export {Guid.NewGuid():N}";
        using var created = await app.AdminGateway.PostAsJsonAsync("/api/console/api-keys", new { name, scopes = new[] { "read", "audiences:write" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        var key = body.GetProperty("key").GetString()!;
        var id = body.GetProperty("id").GetString()!;
        Assert.StartsWith("alle_", key, StringComparison.Ordinal);
        Assert.Equal(["audiences:write", "read"], body.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()!).Order(StringComparer.Ordinal));

        // Listed without the key; stored only as its SHA-256.
        var listed = await app.AdminGateway.GetStringAsync("/api/console/api-keys");
        Assert.DoesNotContain(key, listed, StringComparison.Ordinal);
        Assert.Contains(key[^4..], listed, StringComparison.Ordinal);
        await using (var connection = new Npgsql.NpgsqlConnection(app.ConnectionString("operatorsdb")))
        {
            await connection.OpenAsync();
            await using var command = new Npgsql.NpgsqlCommand("SELECT key_hash = sha256(convert_to($1, 'UTF8')), last_used_at IS NULL FROM api_keys WHERE id = $2::uuid", connection)
            {
                Parameters = { new() { Value = key }, new() { Value = id } },
            };
            await using var reader = await command.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.True(reader.GetBoolean(0));
            Assert.True(reader.GetBoolean(1));
        }

        using var client = OperatorsClient.WithKey(app, key);
        using var audiences = await client.GetAsync("/api/audiences");
        Assert.Equal(HttpStatusCode.OK, audiences.StatusCode);
        using var outOfScope = await client.PostAsJsonAsync("/api/ingestion/sources", new { name = "Not mine" });
        Assert.Equal(HttpStatusCode.Forbidden, outOfScope.StatusCode);
        var keys = await app.AdminGateway.GetFromJsonAsync<JsonElement>("/api/console/api-keys");
        Assert.NotEqual(JsonValueKind.Null, keys.EnumerateArray().Single(k => k.GetProperty("id").GetString() == id).GetProperty("lastUsedAt").ValueKind);

        using var revoked = await app.AdminGateway.DeleteAsync($"/api/console/api-keys/{id}");
        Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        using var afterRevocation = await client.GetAsync("/api/audiences");
        Assert.Equal(HttpStatusCode.Unauthorized, afterRevocation.StatusCode);
        Assert.Equal("application/problem+json", afterRevocation.Content.Headers.ContentType?.MediaType);

        // HTTP Basic with the key as user name, as with the admin key; an unknown key is refused the same way.
        using var unknown = new HttpRequestMessage(HttpMethod.Get, "/api/audiences");
        unknown.Headers.Authorization = new("Basic", Convert.ToBase64String("alle_0123456789abcdef:"u8.ToArray()));
        using var unknownAnswer = await app.Gateway.SendAsync(unknown);
        Assert.Equal(HttpStatusCode.Unauthorized, unknownAnswer.StatusCode);
    }
}
