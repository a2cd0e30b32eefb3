using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Alle.IntegrationTests.Audiences;
using Alle.IntegrationTests.Loyalty;

namespace Alle.IntegrationTests.Messaging;

/// <summary>
/// The program's usual path: a visitor searches providers anonymously, enters the north-star audience as an anonymous
/// profile, and joins later with her phone. Everything travels the real pipeline — the portal's tracking source,
/// Profiles' identity resolution and merge, Audiences' real audience, Loyalty's enrolment and coupon — and her journey
/// entry, held while she could not be texted, sends her exactly one coupon text once she joins.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class AnonymousFirstJourneyTests(DistributedAppFixture app)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);
    private readonly MessagingClient _messaging = new(app);
    private readonly LoyaltyTestClient _loyalty = new(app);
    private readonly AudiencesApiClient _audiences = new(app);
    private readonly HttpClient _portal = app.CreateTrackingClient("portal");

    private async Task<JsonElement> WaitForCountsAsync(string journeyId, Func<JsonElement, bool> condition, string what)
    {
        try
        {
            return await Eventually.GetValueAsync<JsonElement>(async () =>
            {
                var counts = (await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/messaging/journeys/{journeyId}")).GetProperty("counts");
                return condition(counts) ? counts : null;
            }, s_timeout, what);
        }
        catch (TimeoutException timeout)
        {
            throw new TimeoutException($"{timeout.Message}\n{await JourneyStateAsync(journeyId)}", timeout);
        }
    }

    /// <summary>What a failed wait saw last: the journey's counts, every entry with its steps, every text with its status history.</summary>
    private async Task<string> JourneyStateAsync(string journeyId)
    {
        var journey = await app.AdminGateway.GetStringAsync($"/api/messaging/journeys/{journeyId}");
        var entries = await app.AdminGateway.GetStringAsync($"/api/messaging/journeys/{journeyId}/entries");
        var texts = await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/messaging/messages?journeyId={journeyId}");
        var histories = new List<string>();
        foreach (var text in texts.GetProperty("data").EnumerateArray())
        {
            histories.Add(await app.AdminGateway.GetStringAsync($"/api/messaging/messages/{text.GetProperty("id").GetString()}"));
        }
        return $"journey: {journey}\nentries: {entries}\ntexts: {string.Join("\n", histories)}";
    }

    [Fact]
    public async Task A_visitor_who_searched_anonymously_gets_exactly_one_coupon_text_once_she_joins()
    {
        var tag = AudiencesApiClient.NewTag();
        var audienceKey = AudiencesApiClient.UniqueKey("anon-first");
        await _audiences.CreateAudienceAsync(audienceKey, AudiencesApiClient.NorthStarCondition(tag));
        await _audiences.WaitUntilComputedAsync(audienceKey);
        var offerId = await _loyalty.CreateOfferAsync(new { title = "$25 off", value = 25m, endsAt = DateTimeOffset.UtcNow.AddDays(30) });
        using var created = await app.AdminGateway.PostAsJsonAsync("/api/messaging/journeys", new
        {
            name = "Searched, never redeemed",
            trigger = new { type = "audience", audienceKey },
            coupon = new { offerId },
            template = "Hi {{ traits.firstName }}! ${{ coupon.value }} off your next treatment: {{ coupon.code }}",
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var journeyId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        // Anonymous: she searches, enters the audience, and her entry waits for a member it can reach.
        var anonymousId = $"anon-{Guid.NewGuid():N}";
        using (var searched = await _portal.PostAsJsonAsync("/v1/track", new { anonymousId, @event = "Provider Searched", properties = new { zip = "10001", tag } }))
        {
            Assert.Equal(HttpStatusCode.OK, searched.StatusCode);
        }
        var waiting = await WaitForCountsAsync(journeyId, c => c.GetProperty("waitingForContact").GetInt64() == 1, "her entry waiting for contact");
        Assert.Equal((1, 0), (waiting.GetProperty("entered").GetInt64(), waiting.GetProperty("sent").GetInt64()));
        Assert.Empty(waiting.GetProperty("skipped").EnumerateObject());

        // She joins with her phone, as the portal's join page does: Loyalty enrols her, the portal identifies her.
        var phone = MessagingClient.NewPhone();
        using var enrolled = await app.AdminGateway.PostAsJsonAsync("/api/loyalty/members", new
        {
            phone, firstName = "Nadia", lastName = "Okafor", marketingConsent = true, source = "portal",
            consentWording = "Yes, text me offers. Reply STOP to cancel.",
        });
        Assert.Equal(HttpStatusCode.Created, enrolled.StatusCode);
        var memberId = (await enrolled.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("memberId").GetString()!;
        var joinedAt = DateTimeOffset.UtcNow;
        using (var identified = await _portal.PostAsJsonAsync("/v1/identify",
            new { userId = memberId, anonymousId, traits = new { timezone = TestTimeZones.Daytime() } }))
        {
            Assert.Equal(HttpStatusCode.OK, identified.StatusCode);
        }

        var text = await Eventually.GetValueAsync<JsonElement>(async () =>
            (await _messaging.MessagesToAsync(phone)).FirstOrDefault(m => m.GetProperty("body").GetString()!.Contains("off your next treatment", StringComparison.Ordinal))
                is { ValueKind: JsonValueKind.Object } found ? found : null, s_timeout, "her coupon text");
        var textedAfter = DateTimeOffset.UtcNow - joinedAt;
        var coupon = (await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/loyalty/members/{memberId}/coupons")).EnumerateArray()
            .Single(c => c.GetProperty("offerId").GetGuid() == offerId).GetProperty("code").GetString()!;
        Assert.Equal($"Hi Nadia! $25 off your next treatment: {coupon}", text.GetProperty("body").GetString());
        Assert.True(textedAfter < s_timeout, $"texted {textedAfter.TotalSeconds:F1} s after joining");

        var counts = await WaitForCountsAsync(journeyId, c => c.GetProperty("delivered").GetInt64() == 1, "the delivery counted");
        Assert.Equal((1, 1, 0), (counts.GetProperty("entered").GetInt64(), counts.GetProperty("sent").GetInt64(), counts.GetProperty("waitingForContact").GetInt64()));
        var entry = Assert.Single((await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/messaging/journeys/{journeyId}/entries?userId={memberId}"))
            .GetProperty("data").EnumerateArray());
        Assert.Equal("completed", entry.GetProperty("status").GetString());
        Assert.Contains(entry.GetProperty("steps").EnumerateArray(), step => step.GetProperty("reason").GetString() == "waiting_for_member"
            || step.GetProperty("detail").ValueKind == JsonValueKind.Object && step.GetProperty("detail").TryGetProperty("waitingFor", out _));

        // Nothing more arrives: one person, one entry, one text — whatever the merge and the audience re-entry it caused.
        await Eventually.TrueAsync(async () => (await _audiences.IsMemberAsync($"user_id:{memberId}", audienceKey)), s_timeout, "the joined member in the audience");
        Assert.Single(await _messaging.MessagesToAsync(phone), m => m.GetProperty("body").GetString()!.Contains("off your next treatment", StringComparison.Ordinal));

        // The audience knows she is a member who can be texted: counted, listed with her user id and masked phone.
        var page = await Eventually.GetValueAsync<JsonElement>(async () =>
        {
            var members = await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/audiences/{audienceKey}/members");
            return members.GetProperty("smsReachable").GetInt64() == 1 ? members : null;
        }, s_timeout, "the audience counting her as reachable by SMS");
        Assert.Equal((1, 1), (page.GetProperty("total").GetInt64(), page.GetProperty("knownMembers").GetInt64()));
        var listed = Assert.Single(page.GetProperty("data").EnumerateArray());
        Assert.Equal(memberId, listed.GetProperty("userId").GetString());
        Assert.EndsWith(phone[^4..], listed.GetProperty("maskedPhone").GetString());
        Assert.DoesNotContain(phone[..^4], listed.GetProperty("maskedPhone").GetString()!, StringComparison.Ordinal);
        Assert.Single((await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/messaging/messages?journeyId={journeyId}")).GetProperty("data").EnumerateArray());
    }
}
