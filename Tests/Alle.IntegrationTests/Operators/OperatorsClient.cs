using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Alle.IntegrationTests.Operators;

/// <summary>API keys and operators created through Web's admin API with the admin key, and clients that present them.</summary>
internal static class OperatorsClient
{
    public static async Task<string> CreateApiKeyAsync(DistributedAppFixture app, string name, params string[] scopes)
    {
        using var response = await app.AdminGateway.PostAsJsonAsync("/api/console/api-keys", new { name, scopes });
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
    }

    public static HttpClient WithKey(DistributedAppFixture app, string key)
    {
        var client = app.CreateClient("gateway");
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }
}
