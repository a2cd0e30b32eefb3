using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Alle.IntegrationTests.Loyalty;

[Collection(StackCollection.Name)]
public sealed class OfferTests(DistributedAppFixture app)
{
    private readonly LoyaltyTestClient _loyalty = new(app);

    private static object Offer(string? audienceKey = null, DateTimeOffset? startsAt = null) => new
    {
        title = "$50 off your next filler", value = 50m, products = new[] { "juvederm" }, audienceKey,
        startsAt = startsAt ?? DateTimeOffset.UtcNow.AddMinutes(-1), endsAt = DateTimeOffset.UtcNow.AddDays(30), couponValidDays = 14,
    };

    private Task<HttpResponseMessage> IssueAsync(Guid offerId, string memberId) =>
        _loyalty.Admin.PostAsJsonAsync($"/api/loyalty/offers/{offerId}/coupons", new { memberId });

    private Task<HttpResponseMessage> RedeemAsync(string code, string memberId, string provider = LoyaltyTestClient.Provider) =>
        _loyalty.ProviderDesk.PostAsJsonAsync($"/api/loyalty/providers/{provider}/coupons/{code}/redemption", new { memberId });

    [Fact]
    public async Task A_coupon_is_issued_once_per_member_and_offer_and_redeemed_once()
    {
        var member = await _loyalty.EnrolAsync();
        var offerId = await _loyalty.CreateOfferAsync(Offer());

        var issues = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => IssueAsync(offerId, member.MemberId)));
        Assert.All(issues, response => Assert.Equal(HttpStatusCode.OK, response.StatusCode));
        var coupons = await Task.WhenAll(issues.Select(r => r.Content.ReadFromJsonAsync<JsonElement>()));
        var code = Assert.Single(coupons.Select(c => c.GetProperty("code").GetString()).Distinct())!;
        Assert.Matches("^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$", code);
        Assert.Equal(50m, coupons[0].GetProperty("value").GetDecimal());
        Assert.InRange(coupons[0].GetProperty("expiresAt").GetDateTimeOffset() - DateTimeOffset.UtcNow, TimeSpan.FromDays(13.9), TimeSpan.FromDays(14));
        Assert.Equal(1, await _loyalty.CountAsync("SELECT count(*) FROM coupons WHERE offer_id = $1", offerId));

        var mine = await member.Client.GetFromJsonAsync<JsonElement>($"/api/loyalty/members/{member.MemberId}/coupons");
        Assert.Equal(code, Assert.Single(mine.EnumerateArray()).GetProperty("code").GetString());

        using var redeemed = await RedeemAsync(code.ToLowerInvariant().Replace("-", "", StringComparison.Ordinal), member.MemberId);
        Assert.Equal(HttpStatusCode.OK, redeemed.StatusCode);
        using var twice = await RedeemAsync(code, member.MemberId);
        await LoyaltyTestClient.AssertProblemAsync(twice, HttpStatusCode.Conflict, "urn:alle:loyalty:coupon-already-redeemed");
        Assert.Equal(1, await _loyalty.CountAsync("SELECT count(*) FROM outbox_messages WHERE payload->>'event' = 'Offer Redeemed' AND payload->'properties'->>'couponCode' = $1", code));
    }

    [Fact]
    public async Task Another_members_code_an_expired_code_or_a_mistyped_code_is_refused_and_changes_nothing()
    {
        var owner = await _loyalty.EnrolAsync();
        var other = await _loyalty.EnrolAsync();
        var offerId = await _loyalty.CreateOfferAsync(Offer());
        var code = (await (await IssueAsync(offerId, owner.MemberId)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString()!;

        using var byOther = await RedeemAsync(code, other.MemberId);
        await LoyaltyTestClient.AssertProblemAsync(byOther, HttpStatusCode.Conflict, "urn:alle:loyalty:coupon-other-member");
        var typo = code[..^1] + (code[^1] == 'A' ? 'B' : 'A');
        using var mistyped = await RedeemAsync(typo, owner.MemberId);
        await LoyaltyTestClient.AssertProblemAsync(mistyped, HttpStatusCode.BadRequest);
        using var unknown = await RedeemAsync(ValidButUnissuedCode(), owner.MemberId);
        await LoyaltyTestClient.AssertProblemAsync(unknown, HttpStatusCode.NotFound);
        Assert.Equal(0, await _loyalty.CountAsync("SELECT count(*) FROM coupons WHERE code = $1 AND redeemed_at IS NOT NULL", code));

        // The coupon's expiry passes (set in the database rather than waiting days).
        await _loyalty.CountAsync("WITH expired AS (UPDATE coupons SET expires_at = now() - interval '1 second' WHERE code = $1 RETURNING 1) SELECT count(*) FROM expired", code);
        using var expired = await RedeemAsync(code, owner.MemberId);
        await LoyaltyTestClient.AssertProblemAsync(expired, HttpStatusCode.Gone, "urn:alle:loyalty:coupon-expired");
        Assert.Equal(0, await _loyalty.CountAsync("SELECT count(*) FROM coupons WHERE code = $1 AND redeemed_at IS NOT NULL", code));
    }

    [Fact]
    public async Task Issuing_for_an_inactive_or_unknown_offer_or_member_is_refused()
    {
        var member = await _loyalty.EnrolAsync();
        var future = await _loyalty.CreateOfferAsync(Offer(startsAt: DateTimeOffset.UtcNow.AddDays(1)));
        var deactivated = await _loyalty.CreateOfferAsync(Offer());
        using var deactivate = await _loyalty.Admin.PostAsync($"/api/loyalty/offers/{deactivated}/deactivate", null);
        Assert.Equal(HttpStatusCode.NoContent, deactivate.StatusCode);

        await LoyaltyTestClient.AssertProblemAsync(await IssueAsync(future, member.MemberId), HttpStatusCode.Conflict, "urn:alle:loyalty:offer-inactive");
        await LoyaltyTestClient.AssertProblemAsync(await IssueAsync(deactivated, member.MemberId), HttpStatusCode.Conflict, "urn:alle:loyalty:offer-inactive");
        await LoyaltyTestClient.AssertProblemAsync(await IssueAsync(Guid.NewGuid(), member.MemberId), HttpStatusCode.NotFound);
        await LoyaltyTestClient.AssertProblemAsync(await IssueAsync(deactivated, "mbr_nobody000000000000000000"), HttpStatusCode.NotFound);
        using var byMember = await member.Client.PostAsJsonAsync($"/api/loyalty/offers/{deactivated}/coupons", new { memberId = member.MemberId });
        Assert.Equal(HttpStatusCode.Unauthorized, byMember.StatusCode);
        Assert.Equal(0, await _loyalty.CountAsync("SELECT count(*) FROM coupons WHERE member_id = $1", member.MemberId));
    }

    [Fact]
    public async Task Audience_offers_follow_membership_reported_by_audiences()
    {
        var member = await _loyalty.EnrolAsync();
        var audienceKey = LoyaltyTestClient.NewId("searched-never-redeemed");
        var offerId = await _loyalty.CreateOfferAsync(Offer(audienceKey));

        await LoyaltyTestClient.AssertProblemAsync(await IssueAsync(offerId, member.MemberId), HttpStatusCode.Conflict, "urn:alle:loyalty:member-not-eligible");
        var visibleBefore = await member.Client.GetFromJsonAsync<JsonElement>($"/api/loyalty/members/{member.MemberId}/offers");
        Assert.DoesNotContain(visibleBefore.EnumerateArray(), o => o.GetProperty("offer").GetProperty("offerId").GetGuid() == offerId);

        await _loyalty.PublishAsync("AudienceMembershipChanged", new
        {
            audienceId = Guid.NewGuid(), audienceKey, profileId = Guid.NewGuid(), userId = member.MemberId, entered = true, changedAt = DateTimeOffset.UtcNow,
        });

        await Eventually.TrueAsync(async () => (await IssueAsync(offerId, member.MemberId)).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(20), "the member to enter the audience");
        var visible = await member.Client.GetFromJsonAsync<JsonElement>($"/api/loyalty/members/{member.MemberId}/offers");
        var offer = Assert.Single(visible.EnumerateArray(), o => o.GetProperty("offer").GetProperty("offerId").GetGuid() == offerId);
        Assert.Equal(JsonValueKind.Object, offer.GetProperty("coupon").ValueKind);
    }

    [Fact]
    public async Task Issue_and_redemption_are_published_for_the_other_services()
    {
        var member = await _loyalty.EnrolAsync();
        var offerId = await _loyalty.CreateOfferAsync(Offer());
        await using var issued = await _loyalty.ListenAsync("CouponIssued");
        await using var redeemed = await _loyalty.ListenAsync("OfferRedeemed");

        using var claim = await member.Client.PostAsync($"/api/loyalty/members/{member.MemberId}/offers/{offerId}/coupon", null);
        Assert.Equal(HttpStatusCode.OK, claim.StatusCode);
        var code = (await claim.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString();
        using var redemption = await RedeemAsync(code!, member.MemberId);
        Assert.Equal(HttpStatusCode.OK, redemption.StatusCode);

        var couponIssued = await issued.NextAsync(m => m.GetProperty("couponCode").GetString() == code, "CouponIssued");
        Assert.Equal(member.MemberId, couponIssued.GetProperty("memberId").GetString());
        var offerRedeemed = await redeemed.NextAsync(m => m.GetProperty("couponCode").GetString() == code, "OfferRedeemed");
        Assert.Equal(LoyaltyTestClient.Provider, offerRedeemed.GetProperty("providerId").GetString());
    }

    [Fact]
    public async Task Bad_offers_are_refused_and_offers_need_the_admin_key()
    {
        using var noValue = await _loyalty.Admin.PostAsJsonAsync("/api/loyalty/offers", new { title = "Free", value = 0, endsAt = DateTimeOffset.UtcNow.AddDays(1) });
        await LoyaltyTestClient.AssertProblemAsync(noValue, HttpStatusCode.BadRequest);
        using var flashWithoutProviders = await _loyalty.Admin.PostAsJsonAsync("/api/loyalty/flash-offers", new { title = "Flash", value = 25, endsAt = DateTimeOffset.UtcNow.AddHours(2) });
        await LoyaltyTestClient.AssertProblemAsync(flashWithoutProviders, HttpStatusCode.BadRequest);
        using var byProvider = await _loyalty.ProviderDesk.PostAsJsonAsync("/api/loyalty/offers", Offer());
        Assert.Equal(HttpStatusCode.Unauthorized, byProvider.StatusCode);
    }

    /// <summary>A well-formed code (valid check character) that was never issued.</summary>
    private static string ValidButUnissuedCode()
    {
        const string Alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
        const string Body = "ZZZZ2222ZZZ";
        var check = Alphabet[Body.Select((c, i) => (i + 1) * Alphabet.IndexOf(c, StringComparison.Ordinal)).Sum() % Alphabet.Length];
        return $"{Body[..4]}-{Body[4..8]}-{Body[8..]}{check}";
    }
}
