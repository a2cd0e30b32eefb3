using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;

namespace Alle.EndToEndTests.NorthStar;

/// <summary>A member as the platform knows her: Loyalty's member id (her profile's user id), her phone and her own token.</summary>
internal sealed record Member(string MemberId, string Phone, HttpClient Client);

/// <summary>
/// The platform's users as the north-star tests need them, all through the gateway: the operator (admin key), the portal
/// (enrolment, its write key), a member with her token, a provider's desk (provider key), and the sandbox phone network.
/// </summary>
internal sealed class Platform(DistributedAppFixture app)
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public HttpClient Operator => app.AdminGateway;

    public HttpClient ProviderDesk { get; } = Authorized(app, app.Parameter("provider-key"));

    private readonly HttpClient _portal = app.CreateTrackingClient("portal");
    private readonly HttpClient _sandbox = app.CreateClient("twilio-sandbox");

    /// <summary>
    /// Enrols her as the portal does after verifying her phone, and sends the portal's identify with
    /// <paramref name="traits"/>; returns once Profiles holds her phone and those traits and Messaging has recorded the
    /// consent she gave (or refused) at enrolment.
    /// </summary>
    public async Task<Member> EnrolAsync(string firstName, bool marketingConsent, object traits)
    {
        var phone = TestPhones.New();
        using var enrolled = await Operator.PostAsJsonAsync("/api/loyalty/members", new
        {
            phone, firstName, lastName = "Alvarez", email = $"{firstName.ToLowerInvariant()}.{Guid.NewGuid():N}@example.com", zip = "10001",
            marketingConsent, consentWording = "Yes, text me offers from Allē. Reply STOP to cancel.", source = "portal",
        });
        Assert.Equal(HttpStatusCode.Created, enrolled.StatusCode);
        var body = await enrolled.Content.ReadFromJsonAsync<JsonElement>();
        var memberId = body.GetProperty("memberId").GetString()!;
        await IdentifyAsync(memberId, traits);

        var expected = JsonSerializer.SerializeToElement(traits);
        await Eventually.TrueAsync(async () => await ProfileAsync(memberId) is { } profile
            && profile.GetProperty("identifiers").EnumerateArray().Any(i => i.GetProperty("type").GetString() == "phone")
            && expected.EnumerateObject().All(trait => profile.GetProperty("traits").TryGetProperty(trait.Name, out var value) && value.ToString() == trait.Value.ToString()),
            Timeout, $"{firstName}'s profile with her phone and traits");
        await Eventually.TrueAsync(async () => (await Operator.GetFromJsonAsync<JsonElement>($"/api/messaging/consent/{Uri.EscapeDataString(phone)}"))
            .GetProperty("consents").EnumerateArray()
            .Any(c => c.GetProperty("category").GetString() == "marketing" && c.GetProperty("subscribed").GetBoolean() == marketingConsent),
            Timeout, $"{firstName}'s enrolment consent in messaging");
        return new Member(memberId, phone, Authorized(app, body.GetProperty("token").GetString()!));
    }

    public async Task IdentifyAsync(string userId, object traits)
    {
        using var identified = await _portal.PostAsJsonAsync("/v1/identify", new { userId, traits });
        Assert.Equal(HttpStatusCode.OK, identified.StatusCode);
    }

    /// <summary>Profiles' look-up answer for the member, or null while Profiles does not know her.</summary>
    public async Task<JsonElement?> ProfileAsync(string memberId)
    {
        using var lookup = await Operator.GetAsync($"/api/profiles/lookup?userId={Uri.EscapeDataString(memberId)}");
        return lookup.StatusCode == HttpStatusCode.OK ? await lookup.Content.ReadFromJsonAsync<JsonElement>() : null;
    }

    /// <summary>Her profile's timeline (newest first).</summary>
    public async Task<List<JsonElement>> TimelineAsync(string memberId)
    {
        using var response = await Operator.GetAsync($"/api/profiles/v1/spaces/default/collections/users/profiles/user_id:{memberId}/events?limit=100");
        return response.StatusCode == HttpStatusCode.OK
            ? [.. (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("data").EnumerateArray()]
            : [];
    }

    public static bool IsEvent(JsonElement timelineEntry, string name) =>
        timelineEntry.TryGetProperty("event", out var value) && value.ValueKind == JsonValueKind.String && value.GetString() == name;

    public async Task CreateAudienceAsync(string key, string name, string condition)
    {
        using var created = await Operator.PostAsJsonAsync("/api/audiences", new { key, name, condition = JsonDocument.Parse(condition).RootElement });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        await Eventually.TrueAsync(async () => (await Operator.GetFromJsonAsync<JsonElement>($"/api/audiences/{key}")).GetProperty("status").GetString() == "ready",
            Timeout, $"audience {key} computed");
    }

    public async Task<bool> IsInAudienceAsync(string memberId, string key)
    {
        using var response = await Operator.GetAsync($"/api/audiences/profiles/user_id:{memberId}");
        return response.StatusCode == HttpStatusCode.OK
            && (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("audiences").EnumerateArray().Any(a => a.GetProperty("key").GetString() == key);
    }

    public async Task<Guid> CreateOfferAsync(string path, object offer)
    {
        using var created = await Operator.PostAsJsonAsync(path, offer);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("offerId").GetGuid();
    }

    public async Task<string> CreateJourneyAsync(object definition)
    {
        using var created = await Operator.PostAsJsonAsync("/api/messaging/journeys", definition);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    public async Task<JsonElement> JourneyCountsAsync(string journeyId) =>
        (await Operator.GetFromJsonAsync<JsonElement>($"/api/messaging/journeys/{journeyId}")).GetProperty("counts");

    /// <summary>The texts the phone received, from the sandbox's inbox.</summary>
    public async Task<List<JsonElement>> TextsToAsync(string phone) =>
        [.. (await _sandbox.GetFromJsonAsync<JsonElement>($"/api/inbox/{Uri.EscapeDataString(phone)}")).GetProperty("messages").EnumerateArray()
            .Where(m => m.GetProperty("to").GetString() == phone)];

    /// <summary>Her coupons as she sees them in her wallet (with her own token).</summary>
    public static async Task<List<JsonElement>> WalletAsync(Member member) =>
        [.. (await member.Client.GetFromJsonAsync<JsonElement>($"/api/loyalty/members/{member.MemberId}/coupons")).EnumerateArray()];

    public async Task<T?> ScalarAsync<T>(string database, string sql, params object[] arguments)
    {
        await using var dataSource = NpgsqlDataSource.Create(app.ConnectionString(database));
        await using var command = dataSource.CreateCommand(sql);
        foreach (var argument in arguments)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = argument });
        }
        return await command.ExecuteScalarAsync() is T value ? value : default;
    }

    private static HttpClient Authorized(DistributedAppFixture app, string credential)
    {
        var client = app.CreateClient("gateway");
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", credential);
        return client;
    }
}
