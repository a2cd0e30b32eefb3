using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Alle.IntegrationTests.Loyalty;

[Collection(StackCollection.Name)]
public sealed class PointsTests(DistributedAppFixture app)
{
    private readonly LoyaltyTestClient _loyalty = new(app);

    [Fact]
    public async Task A_purchase_earns_points_per_treatment_visit_held_as_pending()
    {
        var member = await _loyalty.EnrolAsync();
        var purchaseId = LoyaltyTestClient.NewId("pur");

        var receipt = await _loyalty.PurchaseAsync(member.MemberId, purchaseId, ("botox-cosmetic", 480m), ("natrelle", 6500m), ("botox-cosmetic", 120m));

        Assert.Equal(700, receipt.GetProperty("points").GetInt32());
        Assert.Equal("pending", receipt.GetProperty("status").GetString());
        var availableAt = receipt.GetProperty("availableAt").GetDateTimeOffset();
        Assert.InRange(availableAt - DateTimeOffset.UtcNow, TimeSpan.FromHours(47), TimeSpan.FromHours(48));
        var balance = await _loyalty.BalanceAsync(member.Client, member.MemberId);
        Assert.Equal((0, 700), (balance.GetProperty("available").GetInt32(), balance.GetProperty("pending").GetInt32()));
        Assert.Equal(700, balance.GetProperty("pendingSchedule")[0].GetProperty("points").GetInt32());
        var history = await member.Client.GetFromJsonAsync<JsonElement>($"/api/loyalty/members/{member.MemberId}/points/history");
        var entry = Assert.Single(history.GetProperty("entries").EnumerateArray());
        Assert.Equal(("earn", purchaseId), (entry.GetProperty("kind").GetString(), entry.GetProperty("purchaseId").GetString()));
    }

    [Fact]
    public async Task Recording_a_purchase_is_idempotent_by_purchase_id()
    {
        var member = await _loyalty.EnrolAsync();
        var purchaseId = LoyaltyTestClient.NewId("pur");
        var body = LoyaltyTestClient.PurchaseBody(member.MemberId, purchaseId, ("juvederm", 750m));
        var path = $"/api/loyalty/providers/{LoyaltyTestClient.Provider}/purchases";

        using var first = await _loyalty.ProviderDesk.PostAsJsonAsync(path, body);
        using var replay = await _loyalty.ProviderDesk.PostAsJsonAsync(path, body);
        using var different = await _loyalty.ProviderDesk.PostAsJsonAsync(path, LoyaltyTestClient.PurchaseBody(member.MemberId, purchaseId, ("natrelle", 6000m)));

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        Assert.Equal(200, (await replay.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("points").GetInt32());
        await LoyaltyTestClient.AssertProblemAsync(different, HttpStatusCode.Conflict, "urn:alle:loyalty:purchase-id-taken");
        Assert.Equal(200, (await _loyalty.BalanceAsync(member.Client, member.MemberId)).GetProperty("pending").GetInt32());
        Assert.Equal(1, await _loyalty.CountAsync("SELECT count(*) FROM ledger_entries WHERE purchase_id = $1", purchaseId));
    }

    [Fact]
    public async Task Bad_purchases_are_refused_and_change_nothing()
    {
        var member = await _loyalty.EnrolAsync();
        var path = $"/api/loyalty/providers/{LoyaltyTestClient.Provider}/purchases";

        using var unknownProduct = await _loyalty.ProviderDesk.PostAsJsonAsync(path, LoyaltyTestClient.PurchaseBody(member.MemberId, LoyaltyTestClient.NewId("pur"), ("snake-oil", 10m)));
        await LoyaltyTestClient.AssertProblemAsync(unknownProduct, HttpStatusCode.BadRequest);
        using var negative = await _loyalty.ProviderDesk.PostAsJsonAsync(path, LoyaltyTestClient.PurchaseBody(member.MemberId, LoyaltyTestClient.NewId("pur"), ("juvederm", -5m)));
        await LoyaltyTestClient.AssertProblemAsync(negative, HttpStatusCode.BadRequest);
        using var unknownMember = await _loyalty.ProviderDesk.PostAsJsonAsync(path, LoyaltyTestClient.PurchaseBody("mbr_doesnotexist0000000000", LoyaltyTestClient.NewId("pur"), ("juvederm", 10m)));
        await LoyaltyTestClient.AssertProblemAsync(unknownMember, HttpStatusCode.NotFound);
        using var unknownProvider = await _loyalty.ProviderDesk.PostAsJsonAsync("/api/loyalty/providers/prv_nowhere/purchases", LoyaltyTestClient.PurchaseBody(member.MemberId, LoyaltyTestClient.NewId("pur"), ("juvederm", 10m)));
        await LoyaltyTestClient.AssertProblemAsync(unknownProvider, HttpStatusCode.NotFound);
        using var byMember = await member.Client.PostAsJsonAsync(path, LoyaltyTestClient.PurchaseBody(member.MemberId, LoyaltyTestClient.NewId("pur"), ("juvederm", 10m)));
        Assert.Equal(HttpStatusCode.Unauthorized, byMember.StatusCode);

        Assert.Equal(0, await _loyalty.CountAsync("SELECT count(*) FROM purchases WHERE member_id = $1", member.MemberId));
    }

    [Fact]
    public async Task A_refund_reverses_what_the_purchase_earned_once()
    {
        var member = await _loyalty.EnrolAsync();
        var kept = LoyaltyTestClient.NewId("pur");
        var refunded = LoyaltyTestClient.NewId("pur");
        await _loyalty.PurchaseAsync(member.MemberId, kept, ("botox-cosmetic", 400m));
        await _loyalty.PurchaseAsync(member.MemberId, refunded, ("natrelle", 6000m));

        var path = $"/api/loyalty/providers/{LoyaltyTestClient.Provider}/purchases/{refunded}/refund";
        using var refund = await _loyalty.ProviderDesk.PostAsync(path, null);
        using var again = await _loyalty.ProviderDesk.PostAsync(path, null);
        using var otherProvider = await _loyalty.ProviderDesk.PostAsync($"/api/loyalty/providers/{LoyaltyTestClient.OtherProvider}/purchases/{kept}/refund", null);

        Assert.Equal(HttpStatusCode.OK, refund.StatusCode);
        Assert.Equal(500, (await refund.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("pointsReversed").GetInt32());
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        await LoyaltyTestClient.AssertProblemAsync(otherProvider, HttpStatusCode.NotFound);
        var balance = await _loyalty.BalanceAsync(member.Client, member.MemberId);
        Assert.Equal((0, 200), (balance.GetProperty("available").GetInt32(), balance.GetProperty("pending").GetInt32()));
        Assert.Equal(1, await _loyalty.CountAsync("SELECT count(*) FROM ledger_entries WHERE purchase_id = $1 AND kind = 'reverse'", refunded));
    }

    [Fact]
    public async Task Promotions_from_the_rules_api_multiply_points_during_their_dates()
    {
        var member = await _loyalty.EnrolAsync();
        using var created = await _loyalty.Admin.PostAsJsonAsync("/api/loyalty/rules/promotions", new
        {
            name = "Triple lashes", products = new[] { "latisse" }, multiplier = 3,
            startsAt = DateTimeOffset.UtcNow.AddMinutes(-1), endsAt = DateTimeOffset.UtcNow.AddHours(1),
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var promotionId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();

        var during = await _loyalty.PurchaseAsync(member.MemberId, LoyaltyTestClient.NewId("pur"), ("latisse", 150m), ("diamondglow", 200m));
        using var ended = await _loyalty.Admin.DeleteAsync($"/api/loyalty/rules/promotions/{promotionId}");
        Assert.Equal(HttpStatusCode.NoContent, ended.StatusCode);
        var after = await _loyalty.PurchaseAsync(member.MemberId, LoyaltyTestClient.NewId("pur"), ("latisse", 150m));

        Assert.Equal(400, during.GetProperty("points").GetInt32());
        Assert.Equal(100, after.GetProperty("points").GetInt32());
        using var invalid = await _loyalty.Admin.PostAsJsonAsync("/api/loyalty/rules/promotions", new { name = "x", multiplier = 0.5, startsAt = DateTimeOffset.UtcNow, endsAt = DateTimeOffset.UtcNow.AddDays(1) });
        await LoyaltyTestClient.AssertProblemAsync(invalid, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task The_annual_cap_and_tiers_follow_points_earned_in_the_rolling_year()
    {
        var member = await _loyalty.EnrolAsync();

        var receipts = new List<JsonElement>();
        for (var i = 0; i < 11; i++)
        {
            receipts.Add(await _loyalty.PurchaseAsync(member.MemberId, LoyaltyTestClient.NewId("pur"), ("natrelle", 6000m)));
        }

        Assert.Equal(500, receipts[9].GetProperty("points").GetInt32());
        Assert.Equal((0, 500), (receipts[10].GetProperty("points").GetInt32(), receipts[10].GetProperty("pointsOverCap").GetInt32()));
        var balance = await _loyalty.BalanceAsync(member.Client, member.MemberId);
        Assert.Equal(5000, balance.GetProperty("pending").GetInt32());
        Assert.Equal("a-list", balance.GetProperty("tier").GetProperty("key").GetString());
        // member -> gold at 750, gold -> a-list at 1,500: two tier changes, each a fact.
        Assert.Equal(2, await _loyalty.CountAsync("SELECT count(*) FROM outbox_messages WHERE ordering_key = 'member:' || $1 AND payload->>'event' = 'Tier Changed'", member.MemberId));
    }

    [Fact]
    public async Task Redemption_spends_available_points_in_steps_of_100_for_10_dollars()
    {
        var member = await _loyalty.EnrolAsync();
        await _loyalty.PurchaseAsync(member.MemberId, LoyaltyTestClient.NewId("pur"), ("botox-cosmetic", 400m));
        var path = $"/api/loyalty/members/{member.MemberId}/redemptions";

        using var pendingOnly = await member.Client.PostAsJsonAsync(path, new { redemptionId = LoyaltyTestClient.NewId("red"), points = 100, providerId = LoyaltyTestClient.Provider });
        await LoyaltyTestClient.AssertProblemAsync(pendingOnly, HttpStatusCode.Conflict, "urn:alle:loyalty:insufficient-points");

        await _loyalty.GrantAvailablePointsAsync(member.MemberId, 350);
        var redemptionId = LoyaltyTestClient.NewId("red");
        using var redeemed = await member.Client.PostAsJsonAsync(path, new { redemptionId, points = 300, providerId = LoyaltyTestClient.Provider });
        using var replay = await member.Client.PostAsJsonAsync(path, new { redemptionId, points = 300, providerId = LoyaltyTestClient.Provider });
        using var notAStep = await member.Client.PostAsJsonAsync(path, new { redemptionId = LoyaltyTestClient.NewId("red"), points = 50, providerId = LoyaltyTestClient.Provider });

        Assert.Equal(HttpStatusCode.Created, redeemed.StatusCode);
        var receipt = await redeemed.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((30m, 50), (receipt.GetProperty("value").GetDecimal(), receipt.GetProperty("pointsAvailable").GetInt32()));
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        await LoyaltyTestClient.AssertProblemAsync(notAStep, HttpStatusCode.BadRequest);
        var balance = await _loyalty.BalanceAsync(member.Client, member.MemberId);
        Assert.Equal((50, 200), (balance.GetProperty("available").GetInt32(), balance.GetProperty("pending").GetInt32()));
    }

    [Fact]
    public async Task Concurrent_redemptions_never_take_the_available_balance_below_zero()
    {
        var member = await _loyalty.EnrolAsync();
        await _loyalty.GrantAvailablePointsAsync(member.MemberId, 500);

        var responses = await Task.WhenAll(Enumerable.Range(0, 24).Select(_ => member.Client.PostAsJsonAsync(
            $"/api/loyalty/members/{member.MemberId}/redemptions",
            new { redemptionId = LoyaltyTestClient.NewId("red"), points = 100, providerId = LoyaltyTestClient.Provider })));

        Assert.Equal(5, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.Equal(19, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
        Assert.Equal(0, (await _loyalty.BalanceAsync(member.Client, member.MemberId)).GetProperty("available").GetInt32());
        Assert.Equal(0, await _loyalty.CountAsync("SELECT COALESCE(sum(points), 0) FROM ledger_entries WHERE member_id = $1", member.MemberId));
        Assert.Equal(5, await _loyalty.CountAsync("SELECT count(*) FROM ledger_entries WHERE member_id = $1 AND kind = 'redeem'", member.MemberId));
    }
}
