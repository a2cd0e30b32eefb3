using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Alle.IntegrationTests.Audiences;

/// <summary>Calls of the Audiences API through the gateway with the admin key.</summary>
public sealed class AudiencesApiClient(DistributedAppFixture app)
{
    /// <summary>
    /// "Searched for providers in the last 30 days and never redeemed an offer", limited to searches carrying the test's
    /// own <paramref name="tag"/>: the application is shared, and an audience over every searcher would capture other
    /// tests' members and add <c>Audience Entered</c> events to their timelines. Any redemption still counts.
    /// </summary>
    public static string NorthStarCondition(string tag) => $$$"""
        {"and": [{"event": "Provider Searched", "where": [{"property": "tag", "operator": "equals", "value": "{{{tag}}}"}], "within": "30d"},
                 {"not": {"event": "Offer Redeemed"}}]}
        """;

    /// <summary>A value only the calling test uses, for property filters and trait values that scope its definitions.</summary>
    public static string NewTag() => Guid.NewGuid().ToString("N");

    public HttpClient Http => app.AdminGateway;

    public async Task<JsonElement> CreateAudienceAsync(string key, string condition, string? name = null)
    {
        var response = await app.AdminGateway.PostAsJsonAsync("/api/audiences", new
        {
            key,
            name = name ?? $"Audience {key}",
            condition = JsonDocument.Parse(condition).RootElement,
        });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>Waits until the audience's full computation over existing profiles is done.</summary>
    public Task<JsonElement> WaitUntilComputedAsync(string key, TimeSpan? timeout = null) => Eventually.GetValueAsync(async () =>
    {
        var audience = await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/audiences/{key}");
        return audience.GetProperty("status").GetString() == "ready" ? audience : (JsonElement?)null;
    }, timeout ?? TimeSpan.FromSeconds(20), $"audience {key} computed");

    /// <summary>The profile's audiences and computed traits, or null while Audiences does not know the profile.</summary>
    public async Task<JsonElement?> ProfileAsync(string profile)
    {
        var response = await app.AdminGateway.GetAsync($"/api/audiences/profiles/{Uri.EscapeDataString(profile)}");
        return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadFromJsonAsync<JsonElement>() : null;
    }

    public async Task<bool> IsMemberAsync(string profile, string audienceKey) =>
        await ProfileAsync(profile) is { } found
        && found.GetProperty("audiences").EnumerateArray().Any(audience => audience.GetProperty("key").GetString() == audienceKey);

    public async Task<List<JsonElement>> MembersAsync(string audienceKey)
    {
        var members = new List<JsonElement>();
        string? after = null;
        do
        {
            var page = await app.AdminGateway.GetFromJsonAsync<JsonElement>(
                $"/api/audiences/{audienceKey}/members?limit=2{(after is null ? "" : $"&after={after}")}");
            members.AddRange(page.GetProperty("data").EnumerateArray());
            after = page.GetProperty("next").ValueKind == JsonValueKind.Null ? null : page.GetProperty("next").GetString();
        }
        while (after is not null);
        return members;
    }

    /// <summary>
    /// Identifies <paramref name="userId"/> through the gateway and answers the profile id Profiles gave her, for tests
    /// whose own calls travel the real pipeline and must come back about the profile they publish updates for.
    /// </summary>
    public async Task<Guid> ProfileIdFromProfilesAsync(string userId)
    {
        var identified = await app.CreateTrackingClient("portal").PostAsJsonAsync("/v1/identify", new { userId, traits = new { } });
        Assert.Equal(HttpStatusCode.OK, identified.StatusCode);
        return await Eventually.GetValueAsync(async () =>
        {
            using var response = await app.AdminGateway.GetAsync($"/api/profiles/lookup?userId={Uri.EscapeDataString(userId)}");
            return response.StatusCode == HttpStatusCode.OK
                ? (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("profileId").GetGuid()
                : (Guid?)null;
        }, TimeSpan.FromSeconds(20), $"Profiles' profile for {userId}");
    }

    public static string UniqueKey(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 64)];
}
