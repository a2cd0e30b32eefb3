using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Alle.EndToEndTests.Messaging;

/// <summary>
/// Journeys across services: a member's events go through ingestion and Profiles, the journey texts her through the
/// Twilio sandbox. Needs Ingestion's Tracking API (identify, track), Profiles' look-up API and its ProfileUpdated events
/// carrying the triggering track event; the coupon test also needs Loyalty's coupon API.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class JourneyEndToEndTests(DistributedAppFixture app)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    internal static string NewPhone() => TestPhones.New();

    /// <summary>Creates the member's profile through the Tracking API (identify with her phone and traits) and gives marketing consent.</summary>
    internal static async Task<(string UserId, string Phone)> NewMemberAsync(DistributedAppFixture app, HttpClient tracking, string firstName)
    {
        var userId = $"member-{Guid.NewGuid():N}";
        var phone = NewPhone();
        using var identify = await tracking.PostAsJsonAsync("/v1/identify", new
        {
            userId,
            messageId = Guid.NewGuid().ToString(),
            traits = new { phone, first_name = firstName, timezone = TestTimeZones.Daytime() },
        });
        Assert.Equal(HttpStatusCode.OK, identify.StatusCode);
        using var consent = await app.AdminGateway.PutAsJsonAsync($"/api/messaging/consent/{Uri.EscapeDataString(phone)}",
            new { category = "marketing", subscribed = true, source = "end-to-end test", evidence = "checkbox" });
        consent.EnsureSuccessStatusCode();
        await Eventually.TrueAsync(async () =>
        {
            using var lookup = await app.AdminGateway.GetAsync($"/api/profiles/lookup?userId={userId}");
            return lookup.StatusCode == HttpStatusCode.OK;
        }, s_timeout, "the member's profile in Profiles");
        return (userId, phone);
    }

    internal static async Task<string> CreateJourneyAsync(DistributedAppFixture app, object definition)
    {
        using var response = await app.AdminGateway.PostAsJsonAsync("/api/messaging/journeys", definition);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    internal static async Task<IReadOnlyList<JsonElement>> TextsToAsync(HttpClient sandbox, string phone) =>
        [.. (await sandbox.GetFromJsonAsync<JsonElement>($"/api/inbox/{Uri.EscapeDataString(phone)}")).GetProperty("messages").EnumerateArray()
            .Where(m => m.GetProperty("to").GetString() == phone)];

    internal static async Task<JsonElement> CountsAsync(DistributedAppFixture app, string journeyId) =>
        (await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/messaging/journeys/{journeyId}")).GetProperty("counts");

    [Fact]
    public async Task A_track_event_sends_the_journeys_text_once_to_the_members_phone()
    {
        var tracking = app.CreateTrackingClient("portal");
        var sandbox = app.CreateClient("twilio-sandbox");
        var eventName = $"Provider Searched {Guid.NewGuid():N}";
        var journeyId = await CreateJourneyAsync(app, new
        {
            name = "Searched, never redeemed",
            trigger = new { type = "event", @event = eventName, filters = new[] { new { property = "radius", @operator = "less_than", value = 50 } } },
            template = "Hi {{ traits.first_name }}, providers near {{ event.zip }} are waiting for you.",
        });
        var (userId, phone) = await NewMemberAsync(app, tracking, "Maya");

        foreach (var radius in new[] { 100, 25, 10 })
        {
            using var track = await tracking.PostAsJsonAsync("/v1/track", new
            {
                userId,
                messageId = Guid.NewGuid().ToString(),
                @event = eventName,
                properties = new { zip = "10001", radius },
            });
            Assert.Equal(HttpStatusCode.OK, track.StatusCode);
        }

        var text = await Eventually.GetValueAsync<JsonElement>(async () =>
            (await TextsToAsync(sandbox, phone)).FirstOrDefault() is { ValueKind: JsonValueKind.Object } found && found.GetProperty("status").GetString() == "delivered"
                ? found : null, s_timeout, "the journey's text in the member's inbox");
        var counts = await Eventually.GetValueAsync<JsonElement>(async () =>
            await CountsAsync(app, journeyId) is var c && c.GetProperty("delivered").GetInt64() == 1 ? c : null, s_timeout, "the delivery counted");

        Assert.Equal("Hi Maya, providers near 10001 are waiting for you.", text.GetProperty("body").GetString());
        Assert.Single(await TextsToAsync(sandbox, phone));
        Assert.Equal(1, counts.GetProperty("entered").GetInt64());
        var log = await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/messaging/messages?journeyId={journeyId}");
        var logged = Assert.Single(log.GetProperty("data").EnumerateArray());
        Assert.Equal(userId, logged.GetProperty("userId").GetString());
        Assert.Equal(text.GetProperty("sid").GetString(), logged.GetProperty("providerSid").GetString());
    }

    [Fact]
    public async Task A_coupon_loyalty_refuses_skips_the_text_with_the_reason()
    {
        var tracking = app.CreateTrackingClient("portal");
        var sandbox = app.CreateClient("twilio-sandbox");
        var eventName = $"Provider Checked In {Guid.NewGuid():N}";
        var journeyId = await CreateJourneyAsync(app, new
        {
            name = "Flash reward",
            trigger = new { type = "event", @event = eventName, filters = new[] { new { property = "flashOfferId", @operator = "exists" } } },
            coupon = new { offerIdProperty = "flashOfferId" },
            template = "Thanks for visiting {{ event.providerName }}! Your code: {{ coupon.code }}",
        });
        var (userId, phone) = await NewMemberAsync(app, tracking, "Ana");

        using var track = await tracking.PostAsJsonAsync("/v1/track", new
        {
            userId,
            messageId = Guid.NewGuid().ToString(),
            @event = eventName,
            properties = new { providerId = "p-1", providerName = "Glow Clinic", flashOfferId = $"no-such-offer-{Guid.NewGuid():N}" },
        });

        var counts = await Eventually.GetValueAsync<JsonElement>(async () =>
            await CountsAsync(app, journeyId) is var c && c.GetProperty("skipped").TryGetProperty("coupon_refused_404", out _) ? c : null,
            s_timeout, "the entry skipped because Loyalty refused the coupon");

        Assert.Equal(1, counts.GetProperty("entered").GetInt64());
        Assert.Empty(await TextsToAsync(sandbox, phone));
    }
}
