using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Alle.EndToEndTests.NorthStar;

/// <summary>
/// Flash Rewards end to end: a flash offer runs at a provider; a member eligible for it checks in there; Loyalty's
/// <c>Provider Checked In</c> names the offer; a journey triggered by that event issues the coupon through Loyalty (the
/// offer taken from the event's <c>flashOfferId</c>) and texts it; the coupon is in her wallet.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class FlashRewardsTests(DistributedAppFixture app)
{
    private const string Provider = "prv_hudson_aesthetics";
    private readonly Platform _platform = new(app);

    [Fact]
    public async Task Checking_in_where_a_flash_offer_runs_puts_the_coupon_in_her_wallet_and_texts_it()
    {
        // The offer is for an audience only this test's members belong to, so other tests' check-ins at this provider
        // never carry it; the journey listens for check-ins naming this offer.
        var cohort = $"flash-{Guid.NewGuid():N}";
        var audienceKey = $"flash-vips-{Guid.NewGuid():N}"[..30];
        await _platform.CreateAudienceAsync(audienceKey, "Flash Rewards VIPs", $$"""{"trait": "cohort", "operator": "equals", "value": "{{cohort}}"}""");
        var flashOfferId = await _platform.CreateOfferAsync("/api/loyalty/flash-offers", new
        {
            title = "Flash: $30 off today", value = 30m, providerIds = new[] { Provider }, audienceKey, endsAt = DateTimeOffset.UtcNow.AddHours(4),
        });
        var journeyId = await _platform.CreateJourneyAsync(new
        {
            name = "Flash Rewards",
            trigger = new
            {
                type = "event", @event = "Provider Checked In",
                filters = new[] { new { property = "flashOfferId", @operator = "equals", value = flashOfferId.ToString() } },
            },
            coupon = new { offerIdProperty = "flashOfferId" },
            template = "Welcome to {{ event.providerName }}, {{ traits.firstName }}! Flash reward: ${{ coupon.value }} off today with {{ coupon.code }}",
        });
        var ana = await _platform.EnrolAsync("Ana", marketingConsent: true, new { cohort, timezone = TestTimeZones.Daytime() });
        // Loyalty decides eligibility from its copy of audience memberships.
        await Eventually.TrueAsync(async () => await _platform.ScalarAsync<bool>("loyaltydb",
            "SELECT is_member FROM audience_memberships WHERE audience_key = $1 AND user_id = $2", audienceKey, ana.MemberId),
            Platform.Timeout, "her flash-offer eligibility in Loyalty");

        using var checkedIn = await ana.Client.PostAsJsonAsync($"/api/loyalty/members/{ana.MemberId}/check-ins", new { providerId = Provider });
        Assert.Equal(HttpStatusCode.Created, checkedIn.StatusCode);
        Assert.Equal(flashOfferId, (await checkedIn.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("flashOfferId").GetGuid());

        var coupon = await Eventually.GetValueAsync(async () => (await Platform.WalletAsync(ana))
            .FirstOrDefault(c => c.GetProperty("offerId").GetGuid() == flashOfferId) is { ValueKind: JsonValueKind.Object } found ? found : (JsonElement?)null,
            Platform.Timeout, "the flash coupon in her wallet");
        var text = await Eventually.GetValueAsync(async () => (await _platform.TextsToAsync(ana.Phone))
            .FirstOrDefault(t => t.GetProperty("status").GetString() == "delivered") is { ValueKind: JsonValueKind.Object } found ? found : (JsonElement?)null,
            Platform.Timeout, "the flash reward delivered to her phone");
        Assert.Equal($"Welcome to Hudson Aesthetics, Ana! Flash reward: $30 off today with {coupon.GetProperty("code").GetString()}",
            text.GetProperty("body").GetString());

        // Checking in again within the repeat interval is refused: no second coupon, no second text.
        using var again = await ana.Client.PostAsJsonAsync($"/api/loyalty/members/{ana.MemberId}/check-ins", new { providerId = Provider });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        var counts = await _platform.JourneyCountsAsync(journeyId);
        Assert.Equal((1L, 1L), (counts.GetProperty("entered").GetInt64(), counts.GetProperty("sent").GetInt64()));
        Assert.Single(await Platform.WalletAsync(ana), c => c.GetProperty("offerId").GetGuid() == flashOfferId);
        Assert.Single(await _platform.TextsToAsync(ana.Phone));
    }
}
