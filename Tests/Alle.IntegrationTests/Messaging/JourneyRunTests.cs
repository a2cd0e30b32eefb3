using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Alle.Contracts;
using Alle.IntegrationTests.Loyalty;
using Xunit.Abstractions;

namespace Alle.IntegrationTests.Messaging;

/// <summary>
/// Journeys run to a delivered text against the real Profiles (look-up, traits, time zone) and Loyalty (offers and
/// unique coupons). Members are enrolled through Loyalty as the portal does, so their profile comes through the event
/// pipeline and their consent reaches Messaging as <see cref="MemberEnrolled"/>; audience entries are published as
/// Audiences would, under audience keys only these tests use.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class JourneyRunTests(DistributedAppFixture app, ITestOutputHelper output)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(45);
    private readonly MessagingClient _messaging = new(app);
    private readonly LoyaltyTestClient _loyalty = new(app);
    private readonly HttpClient _portal = app.CreateTrackingClient("portal");

    private Task<JourneyMember> EnrolAsync(string firstName, bool marketingConsent = true) => JourneyMember.EnrolAsync(app, firstName, marketingConsent);

    private async Task<Guid> CreateOfferAsync(string path = "/api/loyalty/offers", string[]? providerIds = null) =>
        await _loyalty.CreateOfferAsync(new { title = "$25 off", value = 25m, endsAt = DateTimeOffset.UtcNow.AddDays(30), providerIds }, path);

    private async Task<string> CouponOfAsync(string memberId, Guid offerId) =>
        (await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/loyalty/members/{memberId}/coupons")).EnumerateArray()
            .Single(c => c.GetProperty("offerId").GetGuid() == offerId).GetProperty("code").GetString()!;

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

    private static AudienceMembershipChanged Entered(string audienceKey, JourneyMember member) =>
        new(Guid.NewGuid(), audienceKey, member.ProfileId, member.MemberId, true, DateTimeOffset.UtcNow);

    [Fact]
    public async Task An_audience_entry_issues_a_coupon_and_texts_it_once()
    {
        await using var bus = await EventBusProbe.StartAsync(app);
        var audienceKey = $"searched-never-redeemed-{Guid.NewGuid():N}";
        var offerId = await CreateOfferAsync();
        var journeyId = await CreateJourneyAsync(new
        {
            name = "Searched, never redeemed",
            trigger = new { type = "audience", audienceKey },
            coupon = new { offerId },
            template = "Hi {{ traits.firstName }}! ${{ coupon.value }} off your next treatment: {{ coupon.code }}",
        });
        var member = await EnrolAsync("Maya");
        var entered = Entered(audienceKey, member);

        await bus.PublishAsync(entered);
        await bus.PublishAsync(entered);
        var text = await _messaging.WaitForTextAsync(member.Phone, "off your next treatment");
        var counts = await WaitForCountsAsync(journeyId, c => c.GetProperty("delivered").GetInt64() == 1, "the delivery counted");

        Assert.Equal($"Hi Maya! $25 off your next treatment: {await CouponOfAsync(member.MemberId, offerId)}", text.GetProperty("body").GetString());
        Assert.Single(await _messaging.MessagesToAsync(member.Phone), m => m.GetProperty("body").GetString()!.Contains("off your next treatment", StringComparison.Ordinal));
        Assert.Equal((1, 1), (counts.GetProperty("entered").GetInt64(), counts.GetProperty("sent").GetInt64()));
        var logged = Assert.Single((await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/messaging/messages?journeyId={journeyId}")).GetProperty("data").EnumerateArray());
        Assert.Equal(("marketing", member.MemberId), (logged.GetProperty("category").GetString(), logged.GetProperty("userId").GetString()));
    }

    [Fact]
    public async Task A_track_event_matching_the_filters_starts_the_journey_with_its_offer()
    {
        var eventName = $"Provider Checked In {Guid.NewGuid():N}";
        var flashOfferId = await CreateOfferAsync("/api/loyalty/flash-offers", [LoyaltyTestClient.Provider]);
        var journeyId = await CreateJourneyAsync(new
        {
            name = "Flash reward",
            trigger = new { type = "event", @event = eventName, filters = new[] { new { property = "flashOfferId", @operator = "exists" } } },
            coupon = new { offerIdProperty = "flashOfferId" },
            template = "Thanks for visiting {{ event.providerName }}, {{ traits.firstName }}! Flash reward: {{ coupon.code }}",
        });
        var member = await EnrolAsync("Ana");

        foreach (var properties in new object[]
        {
            new { providerId = LoyaltyTestClient.Provider, providerName = "Glow Clinic" },
            new { providerId = LoyaltyTestClient.Provider, providerName = "Glow Clinic", flashOfferId = flashOfferId.ToString() },
        })
        {
            using var tracked = await _portal.PostAsJsonAsync("/v1/track", new { userId = member.MemberId, @event = eventName, properties });
            Assert.Equal(HttpStatusCode.OK, tracked.StatusCode);
        }
        var text = await _messaging.WaitForTextAsync(member.Phone, "Flash reward");

        Assert.Equal($"Thanks for visiting Glow Clinic, Ana! Flash reward: {await CouponOfAsync(member.MemberId, flashOfferId)}", text.GetProperty("body").GetString());
        var counts = await WaitForCountsAsync(journeyId, c => c.GetProperty("delivered").GetInt64() == 1, "the delivery counted");
        Assert.Equal(1, counts.GetProperty("entered").GetInt64());
    }

    /// <summary>
    /// A refused coupon ends the entry with Loyalty's reason. A member without marketing consent is not skipped: her
    /// entry waits for contact, and the consent she gives later (no polling: the consent change wakes it) sends the text.
    /// </summary>
    [Fact]
    public async Task Refused_coupons_are_skipped_and_a_member_without_consent_is_texted_once_she_gives_it()
    {
        await using var bus = await EventBusProbe.StartAsync(app);
        var audienceKey = $"lapsed-{Guid.NewGuid():N}";
        var offerId = await CreateOfferAsync();
        using (var deactivated = await app.AdminGateway.PostAsync($"/api/loyalty/offers/{offerId}/deactivate", null))
        {
            Assert.Equal(HttpStatusCode.NoContent, deactivated.StatusCode);
        }
        var withCoupon = await CreateJourneyAsync(new { name = "Expired offer", trigger = new { type = "audience", audienceKey }, coupon = new { offerId }, template = "{{ coupon.code }}" });
        var plain = await CreateJourneyAsync(new { name = "Plain", trigger = new { type = "audience", audienceKey }, template = "Hello {{ traits.firstName }}" });
        var member = await EnrolAsync("Lee", marketingConsent: false);

        await bus.PublishAsync(Entered(audienceKey, member));

        await WaitForCountsAsync(withCoupon, c => c.GetProperty("skipped").TryGetProperty("coupon_refused_409", out var n) && n.GetInt64() == 1, "the refused coupon");
        var waiting = await WaitForCountsAsync(plain, c => c.GetProperty("waitingForContact").GetInt64() == 1, "the entry waiting for her consent");
        Assert.Equal(0, waiting.GetProperty("sent").GetInt64());
        Assert.Empty(await _messaging.MessagesToAsync(member.Phone));
        Assert.Empty((await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/loyalty/members/{member.MemberId}/coupons")).EnumerateArray());

        await _messaging.SetConsentAsync(member.Phone, "marketing", subscribed: true);
        Assert.Equal("Hello Lee", (await _messaging.WaitForTextAsync(member.Phone, "Hello")).GetProperty("body").GetString());
        var counts = await WaitForCountsAsync(plain, c => c.GetProperty("delivered").GetInt64() == 1, "the text delivered");
        Assert.Equal((1, 0), (counts.GetProperty("entered").GetInt64(), counts.GetProperty("waitingForContact").GetInt64()));
    }

    /// <summary>
    /// SIGKILL of messaging while a three-step journey's texts go out (coupon → welcome text → perks text). A message is
    /// marked <c>sending</c> (committed) before Twilio is called and is never sent again, so nobody is texted twice by a
    /// step; the price is that a request already on its way to Twilio when the process dies stays <c>sending</c>
    /// unconfirmed (at most one per dispatch loop). Everything else — entries, coupons, intents, the remaining sends —
    /// completes exactly once per step after the restart.
    /// </summary>
    [Fact]
    public async Task Killing_messaging_mid_journey_never_texts_a_member_twice_and_loses_only_sends_on_the_wire()
    {
        const int members = 12, dispatchLoops = 16;
        string[] texts = ["Welcome to Gold", "Gold perks"];
        await using var bus = await EventBusProbe.StartAsync(app);
        var audienceKey = $"gold-{Guid.NewGuid():N}";
        var offerId = await CreateOfferAsync();
        var journeyId = await CreateJourneyAsync(new
        {
            name = "Gold welcome",
            trigger = new { type = "audience", audienceKey },
            steps = new object[]
            {
                new { id = "coupon", type = "issue_coupon", offerId },
                new { id = "welcome", type = "send_sms", template = $"{texts[0]}, {{{{ traits.firstName }}}}: {{{{ coupon.code }}}}" },
                new { id = "perks", type = "send_sms", template = $"{texts[1]} for {{{{ traits.firstName }}}}: show {{{{ coupon.code }}}} at the desk" },
            },
        });
        var people = await Task.WhenAll(Enumerable.Range(0, members).Select(i => EnrolAsync($"Member{i}")));

        foreach (var member in people)
        {
            await bus.PublishAsync(Entered(audienceKey, member));
        }
        await _messaging.WaitForTextAsync(people[0].Phone, texts[0]);
        var before = app.Resources.Instance("messaging");
        Process.GetProcessById(before.ProcessId).Kill();
        // Whatever the dead process marked `sending` was marked before this instant.
        var killedAt = DateTimeOffset.UtcNow;
        await Eventually.TrueAsync(() => Task.FromResult(app.Resources.Instance("messaging").Restarts > before.Restarts),
            TimeSpan.FromSeconds(30), "messaging to be restarted");
        await app.Resources.WaitForHealthyAsync("messaging", TimeSpan.FromSeconds(90));

        // Every member's entry has produced one message per text step, and each message was either confirmed by Twilio
        // or was already on its way there when messaging died.
        var messages = await Eventually.GetAsync(async () =>
        {
            var log = (await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/messaging/messages?journeyId={journeyId}&limit=100"))
                .GetProperty("data").EnumerateArray().ToList();
            return log.Count == members * texts.Length && log.All(m => m.GetProperty("status").GetString() == "delivered" || OnTheWireAtTheKill(m, killedAt)) ? log : null;
        }, TimeSpan.FromSeconds(120), "every member's messages delivered or left unconfirmed by the kill");

        var counts = await WaitForCountsAsync(journeyId, c => c.GetProperty("entered").GetInt64() == members && c.GetProperty("completed").GetInt64() == members,
            "every member entered and completed");
        Assert.Empty(counts.GetProperty("skipped").EnumerateObject());
        var lost = messages.Where(m => OnTheWireAtTheKill(m, killedAt))
            .Select(m => (To: m.GetProperty("to").GetString()!, Text: texts.Single(t => m.GetProperty("body").GetString()!.StartsWith(t, StringComparison.Ordinal))))
            .ToHashSet();
        output.WriteLine($"{lost.Count} of {members * texts.Length} sends were on their way to Twilio when messaging was killed.");
        Assert.InRange(lost.Count, 0, dispatchLoops);
        foreach (var member in people)
        {
            var coupon = await CouponOfAsync(member.MemberId, offerId);
            var inbox = await _messaging.MessagesToAsync(member.Phone);
            foreach (var text in texts)
            {
                var received = inbox.Where(m => m.GetProperty("body").GetString()!.StartsWith(text, StringComparison.Ordinal)).ToList();
                if (lost.Contains((member.Phone, text)))
                {
                    Assert.True(received.Count <= 1, $"{member.Phone} was texted '{text}' {received.Count} times.");
                }
                else
                {
                    Assert.Contains(coupon, Assert.Single(received).GetProperty("body").GetString(), StringComparison.Ordinal);
                }
            }
        }
    }

    private static bool OnTheWireAtTheKill(JsonElement message, DateTimeOffset killedAt) =>
        message.GetProperty("status").GetString() == "sending" && message.GetProperty("providerSid").ValueKind == JsonValueKind.Null
        && message.GetProperty("updatedAt").GetDateTimeOffset() < killedAt;
}
