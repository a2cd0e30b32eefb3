using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Alle.Contracts;

namespace Alle.IntegrationTests.Messaging;

/// <summary>Journeys run to a delivered text, with Profiles and Loyalty played by their agreed APIs' stand-ins.</summary>
[Collection(JourneyCollection.Name)]
public sealed class JourneyRunTests(JourneyAppFixture app)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(45);
    private readonly MessagingClient _messaging = new(app);

    /// <summary>A time zone where it is now mid-day, so quiet hours never hold these marketing texts.</summary>
    private static string DaytimeZone()
    {
        var offset = 13 - DateTimeOffset.UtcNow.Hour;
        offset = offset > 14 ? offset - 24 : offset < -12 ? offset + 24 : offset;
        return offset switch { 0 => "Etc/UTC", > 0 => $"Etc/GMT-{offset}", _ => $"Etc/GMT+{-offset}" };
    }

    private async Task<(string UserId, string Phone, Guid ProfileId)> NewMemberAsync(string firstName, bool marketingConsent = true)
    {
        var userId = $"member-{Guid.NewGuid():N}";
        var phone = MessagingClient.NewPhone();
        app.StandIns.AddProfile(userId, phone, firstName, DaytimeZone());
        if (marketingConsent)
        {
            await _messaging.SetConsentAsync(phone, "marketing", true);
        }
        return (userId, phone, Guid.NewGuid());
    }

    private async Task<string> CreateJourneyAsync(object definition)
    {
        using var response = await app.AdminGateway.PostAsJsonAsync("/api/messaging/journeys", definition);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    private Task<JsonElement> WaitForCountsAsync(string journeyId, Func<JsonElement, bool> condition, string what, TimeSpan? timeout = null) =>
        Eventually.GetValueAsync<JsonElement>(async () =>
        {
            var counts = (await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/messaging/journeys/{journeyId}")).GetProperty("counts");
            return condition(counts) ? counts : null;
        }, timeout ?? s_timeout, what);

    [Fact]
    public async Task An_audience_entry_issues_a_coupon_and_texts_it_once()
    {
        await using var bus = await EventBusProbe.StartAsync(app);
        var audienceKey = $"searched-never-redeemed-{Guid.NewGuid():N}";
        var offerId = $"offer-{Guid.NewGuid():N}";
        app.StandIns.AddOffer(offerId, active: true);
        var journeyId = await CreateJourneyAsync(new
        {
            name = "Searched, never redeemed",
            trigger = new { type = "audience", audienceKey },
            coupon = new { offerId },
            template = "Hi {{ traits.first_name }}! ${{ coupon.value }} off your next treatment: {{ coupon.code }}",
        });
        var (userId, phone, profileId) = await NewMemberAsync("Maya");
        var entered = new AudienceMembershipChanged(Guid.NewGuid(), audienceKey, profileId, userId, true, DateTimeOffset.UtcNow);

        await bus.PublishAsync(entered);
        await bus.PublishAsync(entered);
        var text = await _messaging.WaitForTextAsync(phone, "off your next treatment");
        var counts = await WaitForCountsAsync(journeyId, c => c.GetProperty("delivered").GetInt64() == 1, "the delivery counted");

        Assert.Equal($"Hi Maya! $25 off your next treatment: {app.StandIns.CouponOf(offerId, userId)}", text.GetProperty("body").GetString());
        Assert.Single(await _messaging.MessagesToAsync(phone));
        Assert.Equal((1, 1), (counts.GetProperty("entered").GetInt64(), counts.GetProperty("sent").GetInt64()));
        Assert.All(app.StandIns.LookupAuthorizations, a => Assert.Equal($"Bearer {app.AdminKey}", a));
        var logged = Assert.Single((await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/messaging/messages?journeyId={journeyId}")).GetProperty("data").EnumerateArray());
        Assert.Equal(("marketing", userId), (logged.GetProperty("category").GetString(), logged.GetProperty("userId").GetString()));
    }

    [Fact]
    public async Task A_track_event_matching_the_filters_starts_the_journey_with_its_offer()
    {
        await using var bus = await EventBusProbe.StartAsync(app);
        var eventName = $"Provider Checked In {Guid.NewGuid():N}";
        var offerId = $"flash-{Guid.NewGuid():N}";
        app.StandIns.AddOffer(offerId, active: true);
        var journeyId = await CreateJourneyAsync(new
        {
            name = "Flash reward",
            trigger = new { type = "event", @event = eventName, filters = new[] { new { property = "flashOfferId", @operator = "exists" } } },
            coupon = new { offerIdProperty = "flashOfferId" },
            template = "Thanks for visiting {{ event.providerName }}, {{ traits.first_name }}! Flash reward: {{ coupon.code }}",
        });
        var (userId, phone, profileId) = await NewMemberAsync("Ana");

        await bus.PublishAsync(Updated(profileId, userId, eventName, new { providerId = "p-1", providerName = "Glow Clinic" }));
        await bus.PublishAsync(Updated(profileId, userId, eventName, new { providerId = "p-1", providerName = "Glow Clinic", flashOfferId = offerId }));
        var text = await _messaging.WaitForTextAsync(phone, "Flash reward");

        Assert.Equal($"Thanks for visiting Glow Clinic, Ana! Flash reward: {app.StandIns.CouponOf(offerId, userId)}", text.GetProperty("body").GetString());
        var counts = await WaitForCountsAsync(journeyId, c => c.GetProperty("delivered").GetInt64() == 1, "the delivery counted");
        Assert.Equal(1, counts.GetProperty("entered").GetInt64());
    }

    [Fact]
    public async Task Refused_coupons_and_missing_consent_are_skipped_with_their_reasons()
    {
        await using var bus = await EventBusProbe.StartAsync(app);
        var audienceKey = $"lapsed-{Guid.NewGuid():N}";
        var offerId = $"expired-{Guid.NewGuid():N}";
        app.StandIns.AddOffer(offerId, active: false);
        var withCoupon = await CreateJourneyAsync(new { name = "Expired offer", trigger = new { type = "audience", audienceKey }, coupon = new { offerId }, template = "{{ coupon.code }}" });
        var plain = await CreateJourneyAsync(new { name = "Plain", trigger = new { type = "audience", audienceKey }, template = "Hello {{ traits.first_name }}" });
        var (userId, phone, profileId) = await NewMemberAsync("Lee", marketingConsent: false);

        await bus.PublishAsync(new AudienceMembershipChanged(Guid.NewGuid(), audienceKey, profileId, userId, true, DateTimeOffset.UtcNow));

        await WaitForCountsAsync(withCoupon, c => c.GetProperty("skipped").TryGetProperty("coupon_refused_409", out var n) && n.GetInt64() == 1, "the refused coupon");
        await WaitForCountsAsync(plain, c => c.GetProperty("skipped").TryGetProperty("no_marketing_consent", out var n) && n.GetInt64() == 1, "the consent skip");
        Assert.Empty(await _messaging.MessagesToAsync(phone));
    }

    [Fact]
    public async Task Killing_messaging_mid_journey_yields_exactly_one_text_per_member()
    {
        const int members = 15;
        await using var bus = await EventBusProbe.StartAsync(app);
        var audienceKey = $"gold-{Guid.NewGuid():N}";
        var offerId = $"gold-{Guid.NewGuid():N}";
        app.StandIns.AddOffer(offerId, active: true);
        var journeyId = await CreateJourneyAsync(new
        {
            name = "Gold welcome",
            trigger = new { type = "audience", audienceKey },
            coupon = new { offerId },
            template = "Welcome to Gold, {{ traits.first_name }}: {{ coupon.code }}",
        });
        var people = new List<(string UserId, string Phone, Guid ProfileId)>();
        for (var i = 0; i < members; i++)
        {
            people.Add(await NewMemberAsync($"Member{i}"));
        }

        foreach (var (userId, _, profileId) in people)
        {
            await bus.PublishAsync(new AudienceMembershipChanged(Guid.NewGuid(), audienceKey, profileId, userId, true, DateTimeOffset.UtcNow));
        }
        await _messaging.WaitForTextAsync(people[0].Phone, "Welcome to Gold");
        var before = app.App.GetResources().Single(r => r.Name == "messaging");
        Process.GetProcessById(Assert.Single(before.Pids)).Kill();
        await Eventually.TrueAsync(() => Task.FromResult(app.App.GetResources().Single(r => r.Name == "messaging").RestartCount > before.RestartCount),
            TimeSpan.FromSeconds(30), "messaging to be restarted");
        await app.App.WaitForHealthyAsync("messaging", TimeSpan.FromSeconds(90));

        var counts = await WaitForCountsAsync(journeyId,
            c => c.GetProperty("entered").GetInt64() == members && c.GetProperty("waiting").GetInt64() == 0, "every member through the journey", TimeSpan.FromSeconds(120));

        Assert.Equal(members, counts.GetProperty("sent").GetInt64());
        foreach (var (userId, phone, _) in people)
        {
            var text = Assert.Single(await _messaging.MessagesToAsync(phone));
            Assert.EndsWith(app.StandIns.CouponOf(offerId, userId)!, text.GetProperty("body").GetString(), StringComparison.Ordinal);
        }
    }

    private static ProfileUpdated Updated(Guid profileId, string userId, string eventName, object properties)
    {
        var now = DateTimeOffset.UtcNow;
        var trigger = new TrackedEvent("portal", Guid.NewGuid().ToString(), "track", userId, null, eventName, null, null, null,
            JsonSerializer.SerializeToElement(properties), null, null, null, now, now, now, now);
        return new ProfileUpdated(profileId, userId, new Dictionary<string, JsonElement>(), trigger, now);
    }
}
