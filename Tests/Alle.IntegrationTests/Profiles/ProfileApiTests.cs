using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Alle.IntegrationTests.Profiles;

/// <summary>Segment's Profile API read paths through the gateway.</summary>
[Collection(StackCollection.Name)]
public sealed class ProfileApiTests(DistributedAppFixture app) : IAsyncLifetime
{
    private const string Profiles = "/api/profiles/v1/spaces/default/collections/users/profiles";
    private EventBusProbe _bus = null!;

    public async Task InitializeAsync() => _bus = await EventBusProbe.ConnectAsync(app);

    public async Task DisposeAsync() => await _bus.DisposeAsync();

    [Fact]
    public async Task Traits_are_read_by_any_identifier_with_include_limit_and_a_cursor()
    {
        var userId = $"api-{Guid.NewGuid():N}";
        var email = $"{userId}@example.com";
        await _bus.PublishEventsAsync(Events.Identify(userId, new { email, name = "Jane", tier = "gold", city = "Austin" }));

        var all = await ReadWhenPresentAsync($"{Profiles}/user_id:{userId}/traits");
        Assert.Equal("Jane", all.GetProperty("traits").GetProperty("name").GetString());
        Assert.False(all.GetProperty("cursor").GetProperty("has_more").GetBoolean());

        var byEmail = await ReadAsync($"{Profiles}/email:{email.ToUpperInvariant()}/traits?include=tier,city");
        Assert.Equal(["city", "tier"], byEmail.GetProperty("traits").EnumerateObject().Select(t => t.Name));

        var firstPage = await ReadAsync($"{Profiles}/user_id:{userId}/traits?limit=2");
        var cursor = firstPage.GetProperty("cursor");
        Assert.Equal(["city", "email"], firstPage.GetProperty("traits").EnumerateObject().Select(t => t.Name));
        Assert.True(cursor.GetProperty("has_more").GetBoolean());
        Assert.Equal($"{Profiles}/user_id:{userId}/traits?limit=2", cursor.GetProperty("url").GetString());
        var secondPage = await ReadAsync($"{Profiles}/user_id:{userId}/traits?limit=2&next={cursor.GetProperty("next").GetString()}");
        Assert.Equal(["name", "tier"], secondPage.GetProperty("traits").EnumerateObject().Select(t => t.Name));

        var verbose = await ReadAsync($"{Profiles}/user_id:{userId}/traits?verbose=true&include=tier");
        Assert.Equal("gold", verbose.GetProperty("traits").GetProperty("tier").GetProperty("value").GetString());
        Assert.Equal("profiles-tests", verbose.GetProperty("traits").GetProperty("tier").GetProperty("source_id").GetString());
    }

    [Fact]
    public async Task Events_tracked_through_the_gateway_come_back_newest_first_page_by_page()
    {
        var userId = $"timeline-{Guid.NewGuid():N}";
        var tracking = app.CreateTrackingClient("portal");
        foreach (var step in new[] { "Provider Searched", "Offer Viewed", "Offer Redeemed" })
        {
            var sent = await tracking.PostAsJsonAsync("/v1/track", new { userId, @event = step, properties = new { step } });
            Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
            // Distinct receive times keep the expected order independent of clock resolution.
            await Eventually.TrueAsync(async () => (await app.AdminGateway.GetAsync($"{Profiles}/user_id:{userId}/events?limit=100")) is { StatusCode: HttpStatusCode.OK } r
                && (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("data").EnumerateArray().Any(e => e.GetProperty("event").GetString() == step),
                TimeSpan.FromSeconds(20), $"{step} on the timeline");
        }

        // Other services add to her timeline (e.g. Audiences' "Audience Entered"): page through what this test sent.
        const string ownEvents = "include=Provider%20Searched,Offer%20Viewed,Offer%20Redeemed";
        var first = await ReadAsync($"{Profiles}/user_id:{userId}/events?limit=2&{ownEvents}");
        Assert.Equal(["Offer Redeemed", "Offer Viewed"], first.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("event").GetString()));
        var cursor = first.GetProperty("cursor");
        Assert.True(cursor.GetProperty("has_more").GetBoolean());

        var second = await ReadAsync($"{Profiles}/user_id:{userId}/events?limit=2&{ownEvents}&next={cursor.GetProperty("next").GetString()}");
        var last = Assert.Single(second.GetProperty("data").EnumerateArray());
        Assert.Equal("Provider Searched", last.GetProperty("event").GetString());
        Assert.Equal("track", last.GetProperty("type").GetString());
        Assert.Equal("Provider Searched", last.GetProperty("properties").GetProperty("step").GetString());
        Assert.Contains(last.GetProperty("external_ids").EnumerateArray(), id => id.GetProperty("type").GetString() == "user_id" && id.GetProperty("id").GetString() == userId);
        Assert.False(second.GetProperty("cursor").GetProperty("has_more").GetBoolean());

        var ascending = await ReadAsync($"{Profiles}/user_id:{userId}/events?sort=asc&include=Offer%20Viewed,Offer%20Redeemed");
        Assert.Equal(["Offer Viewed", "Offer Redeemed"], ascending.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("event").GetString()));
    }

    [Fact]
    public async Task External_ids_metadata_and_links_describe_the_profile()
    {
        var userId = $"ids-{Guid.NewGuid():N}";
        var phone = TestPhones.New();
        var identify = Events.Identify(userId, new { phone = $"{phone[2..5]}-{phone[5..8]}-{phone[8..]}" }, anonymousId: $"anon-{userId}");
        var group = Events.Group(userId, "clinic-42");
        await _bus.PublishEventsAsync(identify, group);

        var ids = await ReadWhenPresentAsync($"{Profiles}/phone:{Uri.EscapeDataString(phone)}/external_ids");
        var types = ids.GetProperty("data").EnumerateArray().ToDictionary(i => i.GetProperty("type").GetString()!, i => i.GetProperty("id").GetString());
        Assert.Equal(userId, types["user_id"]);
        Assert.Equal($"anon-{userId}", types["anonymous_id"]);
        Assert.Equal(phone, types["phone"]);
        var onlyPhone = await ReadAsync($"{Profiles}/user_id:{userId}/external_ids?include=phone");
        Assert.Single(onlyPhone.GetProperty("data").EnumerateArray());

        var metadata = (await ReadAsync($"{Profiles}/anonymous_id:anon-{userId}/metadata")).GetProperty("metadata");
        Assert.Equal(Events.MessageId(identify), metadata.GetProperty("first_message_id").GetString());
        Assert.Equal(Events.MessageId(group), metadata.GetProperty("last_message_id").GetString());

        var links = await ReadAsync($"{Profiles}/user_id:{userId}/links");
        var account = Assert.Single(Assert.Single(links.GetProperty("data").EnumerateArray()).GetProperty("external_ids").EnumerateArray());
        Assert.Equal("clinic-42", account.GetProperty("id").GetString());
        Assert.Equal("group_id", account.GetProperty("type").GetString());
    }

    [Fact]
    public async Task Unknown_profiles_malformed_identifiers_and_missing_tokens_get_clear_errors()
    {
        using var unknown = await app.AdminGateway.GetAsync($"{Profiles}/user_id:nobody-{Guid.NewGuid():N}/traits");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        var error = (await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
        Assert.Equal("not_found", error.GetProperty("code").GetString());
        Assert.Equal("Profile was not found.", error.GetProperty("message").GetString());

        foreach (var malformed in new[] { "no-colon", "phone:not-a-number", "email:nobody", ":value" })
        {
            using var response = await app.AdminGateway.GetAsync($"{Profiles}/{malformed}/events");
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        using var badCursor = await app.AdminGateway.GetAsync($"{Profiles}/user_id:x/events?next=%%%");
        Assert.Equal(HttpStatusCode.BadRequest, badCursor.StatusCode);
        using var badLimit = await app.AdminGateway.GetAsync($"{Profiles}/user_id:x/traits?limit=500");
        Assert.Equal(HttpStatusCode.BadRequest, badLimit.StatusCode);

        using var anonymous = await app.Gateway.GetAsync($"{Profiles}/user_id:x/traits");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task The_access_token_works_as_the_http_basic_user_name()
    {
        var userId = $"basic-{Guid.NewGuid():N}";
        await _bus.PublishEventsAsync(Events.Identify(userId, new { plan = "basic" }));
        await ReadWhenPresentAsync($"{Profiles}/user_id:{userId}/traits");

        using var client = app.CreateClient("gateway");
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{app.AdminKey}:")));
        var traits = await client.GetFromJsonAsync<JsonElement>($"{Profiles}/user_id:{userId}/traits");
        Assert.Equal("basic", traits.GetProperty("traits").GetProperty("plan").GetString());
    }

    [Fact]
    public async Task Lookup_by_phone_answers_the_agreed_shape_for_the_other_services()
    {
        var userId = $"lookup-{Guid.NewGuid():N}";
        var phone = TestPhones.New();
        await _bus.PublishEventsAsync(Events.Identify(userId, new { phone, firstName = "Ana" }));

        var found = await Eventually.GetValueAsync(async () =>
        {
            using var response = await app.AdminGateway.GetAsync($"/api/profiles/lookup?phone={Uri.EscapeDataString(phone)}");
            return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadFromJsonAsync<JsonElement>() : (JsonElement?)null;
        }, TimeSpan.FromSeconds(20), "the profile by phone");

        Assert.Equal(userId, found.GetProperty("userId").GetString());
        Assert.Equal("Ana", found.GetProperty("traits").GetProperty("firstName").GetString());
        Assert.Contains(found.GetProperty("identifiers").EnumerateArray(), i => i.GetProperty("type").GetString() == "phone" && i.GetProperty("value").GetString() == phone);
        Assert.True(Guid.TryParse(found.GetProperty("profileId").GetString(), out _));

        using var missing = await app.AdminGateway.GetAsync("/api/profiles/lookup?phone=%2B15550000000");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using var ambiguous = await app.AdminGateway.GetAsync($"/api/profiles/lookup?phone={Uri.EscapeDataString(phone)}&userId={userId}");
        Assert.Equal(HttpStatusCode.BadRequest, ambiguous.StatusCode);
    }

    private async Task<JsonElement> ReadAsync(string path)
    {
        using var response = await app.AdminGateway.GetAsync(path);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private Task<JsonElement> ReadWhenPresentAsync(string path) => Eventually.GetValueAsync(async () =>
    {
        using var response = await app.AdminGateway.GetAsync(path);
        return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadFromJsonAsync<JsonElement>() : (JsonElement?)null;
    }, TimeSpan.FromSeconds(20), path);
}
