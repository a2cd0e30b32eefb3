using System.Net.Http.Json;
using System.Text.Json;
using Alle.Testing;

namespace Alle.Bench.All.Load;

/// <summary>What scenarios create through the operator APIs before they measure: audiences, journeys, flash offers.</summary>
internal sealed class PlatformSetup(DistributedAppFixture app)
{
    public async Task CreateAudienceAsync(string key, string condition)
    {
        using var created = await app.AdminGateway.PostAsJsonAsync("/api/audiences", new { key, name = key, condition = JsonDocument.Parse(condition).RootElement });
        await EnsureAsync(created, $"creating audience {key}");
        await Eventually.TrueAsync(async () => (await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/audiences/{key}")).GetProperty("status").GetString() == "ready",
            TimeSpan.FromMinutes(2), $"audience {key} ready");
    }

    public async Task<string> CreateJourneyAsync(object definition)
    {
        using var created = await app.AdminGateway.PostAsJsonAsync("/api/messaging/journeys", definition);
        await EnsureAsync(created, "creating a journey");
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").ToString();
    }

    public async Task<Guid> CreateFlashOfferAsync(object offer)
    {
        using var created = await app.AdminGateway.PostAsJsonAsync("/api/loyalty/flash-offers", offer);
        await EnsureAsync(created, "creating a flash offer");
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("offerId").GetGuid();
    }

    public static async Task EnsureAsync(HttpResponseMessage response, string what)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{what}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }
}
