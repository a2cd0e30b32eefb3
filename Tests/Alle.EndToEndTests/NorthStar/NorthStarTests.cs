using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Alle.EndToEndTests.NorthStar;

/// <summary>
/// The north-star flow, end to end through the gateway with every service real: a member enrolled through Loyalty
/// searches for a provider → her profile is updated → she enters "searched for providers in the last 30 days and never
/// redeemed an offer" → a journey triggered by that entry issues her a unique coupon and texts it, respecting consent,
/// quiet hours and the frequency cap, never twice → she redeems it at the provider → the redemption flows back and she
/// leaves the audience.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class NorthStarTests(DistributedAppFixture app)
{
    private const string Provider = "prv_chelsea_skin";
    private readonly Platform _platform = new(app);

    [Fact]
    public async Task A_search_earns_one_texted_coupon_whose_redemption_takes_her_out_of_the_audience()
    {
        // The application is shared: the audience is limited to this test's members by a trait only they have; its
        // events keep their real meaning (any search, any redemption).
        var cohort = $"north-star-{Guid.NewGuid():N}";
        var audienceKey = $"searched-never-redeemed-{Guid.NewGuid():N}"[..40];
        await _platform.CreateAudienceAsync(audienceKey, "Searched for providers in the last 30 days and never redeemed an offer", $$$"""
            {"and": [{"trait": "cohort", "operator": "equals", "value": "{{{cohort}}}"},
                     {"event": "Provider Searched", "within": "30d"},
                     {"not": {"event": "Offer Redeemed"}}]}
            """);
        var offerId = await _platform.CreateOfferAsync("/api/loyalty/offers", new
        {
            title = "$50 off your next treatment", value = 50m, endsAt = DateTimeOffset.UtcNow.AddDays(30), couponValidDays = 14,
        });
        var journeyId = await _platform.CreateJourneyAsync(new
        {
            name = "Searched, never redeemed: $50 off",
            trigger = new { type = "audience", audienceKey },
            coupon = new { offerId },
            template = "Hi {{ traits.firstName }}, ${{ coupon.value }} off your next treatment with code {{ coupon.code }} (until {{ coupon.expires_at }}). Reply STOP to opt out.",
        });
        await using var audienceChanges = await AudienceChangesTap.StartAsync(app);
        // Her time zone is one where it is daytime now, so quiet hours (checked at send time) let the text go.
        var maya = await _platform.EnrolAsync("Maya", marketingConsent: true, new { cohort, timezone = TestTimeZones.Daytime() });
        var lee = await _platform.EnrolAsync("Lee", marketingConsent: false, new { cohort, timezone = TestTimeZones.Daytime() });

        foreach (var member in new[] { maya, lee })
        {
            using var search = await member.Client.GetAsync("/api/loyalty/providers/search?zip=10001&radiusMiles=10&product=botox-cosmetic");
            Assert.Equal(HttpStatusCode.OK, search.StatusCode);
        }

        // Her profile is updated with the search, and she enters the audience.
        var searched = await Eventually.GetAsync(async () => (await _platform.TimelineAsync(maya.MemberId))
            .FirstOrDefault(e => Platform.IsEvent(e, "Provider Searched")) is { ValueKind: JsonValueKind.Object } found ? new[] { found } : null,
            Platform.Timeout, "Provider Searched on her profile");
        Assert.Equal("loyalty", searched[0].GetProperty("source_id").GetString());
        Assert.Equal("10001", searched[0].GetProperty("properties").GetProperty("zip").GetString());
        await Eventually.TrueAsync(() => _platform.IsInAudienceAsync(maya.MemberId, audienceKey), Platform.Timeout, "her entry into the audience");

        // The journey issues her a unique coupon and texts it.
        var text = await Eventually.GetValueAsync(async () => (await _platform.TextsToAsync(maya.Phone))
            .FirstOrDefault(t => t.GetProperty("status").GetString() == "delivered") is { ValueKind: JsonValueKind.Object } found ? found : (JsonElement?)null,
            Platform.Timeout, "the journey's text delivered to her phone");
        var coupon = Assert.Single(await Platform.WalletAsync(maya), c => c.GetProperty("offerId").GetGuid() == offerId);
        var code = coupon.GetProperty("code").GetString()!;
        Assert.Matches("^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$", code);
        Assert.Equal($"Hi Maya, $50 off your next treatment with code {code} (until {coupon.GetProperty("expiresAt").GetDateTimeOffset():yyyy-MM-dd}). Reply STOP to opt out.",
            text.GetProperty("body").GetString());
        // The phone has it; the message log learns of the delivery from the provider's status callback, a moment later.
        var logged = await Eventually.GetValueAsync(async () => (await _platform.Operator.GetFromJsonAsync<JsonElement>(
                $"/api/messaging/messages?journeyId={journeyId}&userId={maya.MemberId}")).GetProperty("data").EnumerateArray().ToList() is [var message]
                && message.GetProperty("status").GetString() == "delivered" ? message : (JsonElement?)null,
            Platform.Timeout, "her one message recorded as delivered in the message log");
        Assert.Equal(("marketing", maya.MemberId, "delivered"), (logged.GetProperty("category").GetString(), logged.GetProperty("userId").GetString(), logged.GetProperty("status").GetString()));
        // The send counted towards her frequency cap.
        Assert.Equal(1L, await _platform.ScalarAsync<long>("messagingdb", "SELECT count(*) FROM marketing_sends WHERE message_id = $1", logged.GetProperty("id").GetGuid()));

        // Lee searched too and entered, but never agreed to marketing texts: her entry waits for her consent (up to the
        // journey's contact window) and nothing is sent or even queued for her.
        await Eventually.TrueAsync(async () => (await _platform.JourneyCountsAsync(journeyId)).GetProperty("waitingForContact").GetInt64() == 1,
            Platform.Timeout, "Lee's entry waiting for her consent");
        Assert.Empty(await _platform.TextsToAsync(lee.Phone));
        Assert.Empty((await _platform.Operator.GetFromJsonAsync<JsonElement>($"/api/messaging/messages?journeyId={journeyId}&userId={lee.MemberId}"))
            .GetProperty("data").EnumerateArray());

        // Never twice: neither a redelivered entry nor leaving and entering again sends another text.
        await audienceChanges.WaitForAsync(maya.MemberId, audienceKey, entered: true);
        await audienceChanges.RedeliverAsync(maya.MemberId, audienceKey, entered: true);
        await _platform.IdentifyAsync(maya.MemberId, new { cohort = $"{cohort}-moved" });
        await audienceChanges.WaitForAsync(maya.MemberId, audienceKey, entered: false);
        await _platform.IdentifyAsync(maya.MemberId, new { cohort });
        var reentry = await audienceChanges.WaitForAsync(maya.MemberId, audienceKey, entered: true, occurrence: 2);
        await Eventually.TrueAsync(async () => await _platform.ScalarAsync<DateTime>("messagingdb",
                "SELECT changed_at FROM audience_memberships WHERE audience_key = $1 AND profile_id = $2 AND is_member", audienceKey, reentry.GetProperty("profileId").GetGuid())
            >= reentry.GetProperty("changedAt").GetDateTimeOffset().UtcDateTime.AddTicks(-10),
            Platform.Timeout, "her second entry, seen by Messaging");
        var counts = await _platform.JourneyCountsAsync(journeyId);
        Assert.Equal((2L, 1L), (counts.GetProperty("entered").GetInt64(), counts.GetProperty("sent").GetInt64()));
        Assert.Single(await _platform.TextsToAsync(maya.Phone));

        // She redeems the code at the provider; the redemption flows back and she leaves the audience.
        using var redeemed = await _platform.ProviderDesk.PostAsJsonAsync($"/api/loyalty/providers/{Provider}/coupons/{code}/redemption", new { memberId = maya.MemberId });
        Assert.Equal(HttpStatusCode.OK, redeemed.StatusCode);
        await Eventually.TrueAsync(async () => (await _platform.TimelineAsync(maya.MemberId)).Any(e => Platform.IsEvent(e, "Offer Redeemed")),
            Platform.Timeout, "Offer Redeemed on her profile");
        await Eventually.TrueAsync(async () => !await _platform.IsInAudienceAsync(maya.MemberId, audienceKey), Platform.Timeout, "her exit from the audience");
        var history = await _platform.Operator.GetFromJsonAsync<JsonElement>($"/api/audiences/profiles/user_id:{maya.MemberId}/history");
        Assert.Equal("event", history.GetProperty("data").EnumerateArray().First(h => h.GetProperty("audienceKey").GetString() == audienceKey).GetProperty("reason").GetString());
        Assert.Single(await _platform.TextsToAsync(maya.Phone));
        Assert.Equal(Provider, (await Platform.WalletAsync(maya)).Single(c => c.GetProperty("offerId").GetGuid() == offerId).GetProperty("redeemedProviderId").GetString());
    }
}
