using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Alle.IntegrationTests.Loyalty;

[Collection(StackCollection.Name)]
public sealed class ProviderAndCheckInTests(DistributedAppFixture app)
{
    private readonly LoyaltyTestClient _loyalty = new(app);

    [Fact]
    public async Task Searching_by_zip_and_radius_returns_nearby_providers_nearest_first_and_is_tracked()
    {
        var member = await _loyalty.EnrolAsync();

        var near = await member.Client.GetFromJsonAsync<JsonElement>("/api/loyalty/providers/search?zip=10001&radiusMiles=3");
        var wide = await member.Client.GetFromJsonAsync<JsonElement>("/api/loyalty/providers/search?zip=10001&radiusMiles=30&product=natrelle");

        var nearby = near.GetProperty("providers").EnumerateArray().ToList();
        Assert.Contains(nearby, p => p.GetProperty("providerId").GetString() == "prv_chelsea_skin");
        Assert.DoesNotContain(nearby, p => p.GetProperty("zip").GetString() == "10601");
        Assert.All(nearby, p => Assert.InRange(p.GetProperty("distanceMiles").GetDouble(), 0, 3));
        var distances = nearby.Select(p => p.GetProperty("distanceMiles").GetDouble()).ToList();
        Assert.Equal(distances.Order(), distances);
        var implants = wide.GetProperty("providers").EnumerateArray().ToList();
        Assert.Contains(implants, p => p.GetProperty("providerId").GetString() == "prv_westchester_face");
        Assert.All(implants, p => Assert.Contains("natrelle", p.GetProperty("products").EnumerateArray().Select(x => x.GetString())));
        Assert.DoesNotContain(implants, p => p.GetProperty("state").GetString() == "CA");

        var events = await _loyalty.EventsAsync(member.MemberId, e => LoyaltyTestClient.Named(e, "Provider Searched").Count() == 2, "two Provider Searched events");
        var searched = LoyaltyTestClient.Named(events, "Provider Searched").Select(e => e.GetProperty("properties")).ToList();
        Assert.Contains(searched, p => p.GetProperty("zip").GetString() == "10001" && p.GetProperty("product").GetString() == "natrelle");
    }

    [Fact]
    public async Task Bad_searches_are_refused_with_problems()
    {
        var member = await _loyalty.EnrolAsync();

        await LoyaltyTestClient.AssertProblemAsync(await member.Client.GetAsync("/api/loyalty/providers/search?zip=1000"), HttpStatusCode.BadRequest);
        await LoyaltyTestClient.AssertProblemAsync(await member.Client.GetAsync("/api/loyalty/providers/search?zip=10001&radiusMiles=500"), HttpStatusCode.BadRequest);
        await LoyaltyTestClient.AssertProblemAsync(await member.Client.GetAsync("/api/loyalty/providers/search?zip=10001&radiusMiles=far"), HttpStatusCode.BadRequest);
        await LoyaltyTestClient.AssertProblemAsync(await member.Client.GetAsync("/api/loyalty/providers/search?zip=00011"), HttpStatusCode.NotFound);

        // A real zip with nobody within the radius gets the nearest providers, marked as such, rather than an error.
        var montana = await member.Client.GetFromJsonAsync<JsonElement>("/api/loyalty/providers/search?zip=59801&radiusMiles=25");
        Assert.True(montana.GetProperty("nearest").GetBoolean());
        Assert.True(montana.GetProperty("approximate").GetBoolean());
        Assert.Equal("MT", montana.GetProperty("state").GetString());
        var nearest = montana.GetProperty("providers").EnumerateArray().Select(p => p.GetProperty("distanceMiles").GetDouble()).ToList();
        Assert.Equal(3, nearest.Count);
        Assert.True(nearest[0] > 25 && nearest.SequenceEqual(nearest.Order()));
        await LoyaltyTestClient.AssertProblemAsync(await member.Client.GetAsync("/api/loyalty/providers/prv_nowhere"), HttpStatusCode.NotFound);
        await LoyaltyTestClient.AssertProblemAsync(await app.Gateway.GetAsync("/api/loyalty/providers/search?zip=10001"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Checking_in_where_a_flash_offer_runs_names_it_in_the_event_once()
    {
        var member = await _loyalty.EnrolAsync();
        var provider = "prv_dumbo_glow";
        var flashOfferId = await _loyalty.CreateOfferAsync(new
        {
            title = "Flash: $25 off DiamondGlow today", value = 25m, providerIds = new[] { provider },
            startsAt = DateTimeOffset.UtcNow.AddMinutes(-1), endsAt = DateTimeOffset.UtcNow.AddHours(3),
        }, "/api/loyalty/flash-offers");
        var elsewhere = "prv_heights_medspa";

        using var first = await member.Client.PostAsJsonAsync($"/api/loyalty/members/{member.MemberId}/check-ins", new { providerId = provider });
        using var repeated = await member.Client.PostAsJsonAsync($"/api/loyalty/members/{member.MemberId}/check-ins", new { providerId = provider });
        using var other = await member.Client.PostAsJsonAsync($"/api/loyalty/members/{member.MemberId}/check-ins", new { providerId = elsewhere });
        var visitor = await _loyalty.EnrolAsync();
        using var visitorElsewhere = await visitor.Client.PostAsJsonAsync($"/api/loyalty/members/{visitor.MemberId}/check-ins", new { providerId = elsewhere });

        // The flash coupon is in her wallet with the check-in: its offer, value and the one provider where it is valid.
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var checkIn = await first.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(flashOfferId, checkIn.GetProperty("flashOfferId").GetGuid());
        var flashCoupon = checkIn.GetProperty("coupon");
        Assert.Equal("Flash: $25 off DiamondGlow today", flashCoupon.GetProperty("offerTitle").GetString());
        Assert.Equal("flash", flashCoupon.GetProperty("kind").GetString());
        Assert.Equal(25m, flashCoupon.GetProperty("value").GetDecimal());
        Assert.Equal("DUMBO Glow Studio", Assert.Single(flashCoupon.GetProperty("validAt").EnumerateArray()).GetProperty("name").GetString());
        var wallet = await member.Client.GetFromJsonAsync<JsonElement>($"/api/loyalty/members/{member.MemberId}/coupons");
        Assert.Equal("Flash: $25 off DiamondGlow today", Assert.Single(wallet.EnumerateArray()).GetProperty("offerTitle").GetString());

        // Not twice at one provider, and one visit at a time: both refused, naming the check-in in the way.
        await LoyaltyTestClient.AssertProblemAsync(repeated, HttpStatusCode.Conflict, "urn:alle:loyalty:already-checked-in-here");
        await LoyaltyTestClient.AssertProblemAsync(other, HttpStatusCode.Conflict, "urn:alle:loyalty:checked-in-elsewhere");
        Assert.Equal(HttpStatusCode.Created, visitorElsewhere.StatusCode);
        Assert.Equal(JsonValueKind.Null, (await visitorElsewhere.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("flashOfferId").ValueKind);

        var events = await _loyalty.EventsAsync(member.MemberId, e => LoyaltyTestClient.Named(e, "Provider Checked In").Any(), "the check-in event");
        var atFlash = Assert.Single(LoyaltyTestClient.Named(events, "Provider Checked In").Select(e => e.GetProperty("properties")));
        Assert.Equal(flashOfferId.ToString(), atFlash.GetProperty("flashOfferId").GetString());
        Assert.Equal("DUMBO Glow Studio", atFlash.GetProperty("providerName").GetString());
        var visitorEvents = await _loyalty.EventsAsync(visitor.MemberId, e => LoyaltyTestClient.Named(e, "Provider Checked In").Any(), "the visitor's check-in event");
        Assert.False(Assert.Single(LoyaltyTestClient.Named(visitorEvents, "Provider Checked In")).GetProperty("properties").TryGetProperty("flashOfferId", out _));

        // Flash offers are not listed to members nor claimable without the check-in's journey.
        var listed = await member.Client.GetFromJsonAsync<JsonElement>($"/api/loyalty/members/{member.MemberId}/offers");
        Assert.DoesNotContain(listed.EnumerateArray(), o => o.GetProperty("offer").GetProperty("offerId").GetGuid() == flashOfferId);
        using var claimed = await member.Client.PostAsync($"/api/loyalty/members/{member.MemberId}/offers/{flashOfferId}/coupon", null);
        await LoyaltyTestClient.AssertProblemAsync(claimed, HttpStatusCode.Conflict, "urn:alle:loyalty:flash-offer-at-check-in");

        // The journey asks for the flash coupon and gets the one already issued; it is redeemable only where the flash offer runs.
        using var coupon = await _loyalty.Admin.PostAsJsonAsync($"/api/loyalty/offers/{flashOfferId}/coupons", new { memberId = member.MemberId });
        Assert.Equal(HttpStatusCode.OK, coupon.StatusCode);
        var code = (await coupon.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString();
        Assert.Equal(flashCoupon.GetProperty("code").GetString(), code);
        using var redeemElsewhere = await _loyalty.ProviderDesk.PostAsJsonAsync(
            $"/api/loyalty/providers/{elsewhere}/coupons/{code}/redemption", new { memberId = member.MemberId });
        await LoyaltyTestClient.AssertProblemAsync(redeemElsewhere, HttpStatusCode.Conflict, "urn:alle:loyalty:coupon-not-at-this-provider");
    }

    [Fact]
    public async Task A_flash_offer_for_an_audience_is_not_named_to_members_outside_it()
    {
        var member = await _loyalty.EnrolAsync();
        var provider = "prv_fashion_island";
        await _loyalty.CreateOfferAsync(new
        {
            title = "A-List flash", value = 75m, providerIds = new[] { provider }, audienceKey = LoyaltyTestClient.NewId("a-list-vips"),
            startsAt = DateTimeOffset.UtcNow.AddMinutes(-1), endsAt = DateTimeOffset.UtcNow.AddHours(3),
        }, "/api/loyalty/flash-offers");

        using var checkIn = await member.Client.PostAsJsonAsync($"/api/loyalty/members/{member.MemberId}/check-ins", new { providerId = provider });

        Assert.Equal(HttpStatusCode.Created, checkIn.StatusCode);
        Assert.Equal(JsonValueKind.Null, (await checkIn.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("flashOfferId").ValueKind);
        using var unknownProvider = await member.Client.PostAsJsonAsync($"/api/loyalty/members/{member.MemberId}/check-ins", new { providerId = "prv_nowhere" });
        await LoyaltyTestClient.AssertProblemAsync(unknownProvider, HttpStatusCode.NotFound);
    }
}
