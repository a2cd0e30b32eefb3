using System.Net;
using System.Net.Http.Json;

namespace Alle.IntegrationTests.Loyalty;

[Collection(StackCollection.Name)]
public sealed class PrivacyTests(DistributedAppFixture app)
{
    private readonly LoyaltyTestClient _loyalty = new(app);

    [Fact]
    public async Task A_deleted_profile_loses_everything_loyalty_held_and_loyalty_reports_it_once()
    {
        var member = await _loyalty.EnrolAsync();
        var bystander = await _loyalty.EnrolAsync();
        await _loyalty.PurchaseAsync(member.MemberId, LoyaltyTestClient.NewId("pur"), ("botox-cosmetic", 400m));
        await _loyalty.PurchaseAsync(bystander.MemberId, LoyaltyTestClient.NewId("pur"), ("botox-cosmetic", 400m));
        var offerId = await _loyalty.CreateOfferAsync(new { title = "$20 off", value = 20m, endsAt = DateTimeOffset.UtcNow.AddDays(5) });
        Assert.Equal(HttpStatusCode.OK, (await _loyalty.Admin.PostAsJsonAsync($"/api/loyalty/offers/{offerId}/coupons", new { memberId = member.MemberId })).StatusCode);
        var phone = (await member.Client.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/loyalty/members/{member.MemberId}")).GetProperty("phone").GetString()!;
        await using var reports = await _loyalty.ListenAsync("PersonalDataDeleted");
        var regulationId = LoyaltyTestClient.NewId("reg");
        var profileId = Guid.NewGuid();
        var deletion = new
        {
            regulationId, profileId, deletedAt = DateTimeOffset.UtcNow,
            identifiers = new[] { new { type = "user_id", value = member.MemberId }, new { type = "phone", value = phone } },
        };

        await _loyalty.PublishAsync("ProfileDeleted", deletion);

        // Every service holding personal data answers the same deletion; this test is about Loyalty's answer.
        var report = await reports.NextAsync(m => m.GetProperty("regulationId").GetString() == regulationId && m.GetProperty("service").GetString() == "loyalty",
            "Loyalty's PersonalDataDeleted");
        Assert.Equal(profileId, report.GetProperty("profileId").GetGuid());
        Assert.True(report.GetProperty("rowsDeleted").GetInt64() >= 5);
        foreach (var table in new[] { "members", "ledger_entries", "purchases", "coupons" })
        {
            Assert.Equal(0, await _loyalty.CountAsync($"SELECT count(*) FROM {table} WHERE member_id = $1", member.MemberId));
        }
        Assert.Equal(0, await _loyalty.CountAsync("SELECT count(*) FROM outbox_messages WHERE ordering_key = 'member:' || $1", member.MemberId));
        Assert.Equal(0, await _loyalty.CountAsync("SELECT count(*) FROM members WHERE phone = $1", phone));
        await LoyaltyTestClient.AssertProblemAsync(await _loyalty.Admin.GetAsync($"/api/loyalty/members/{member.MemberId}"), HttpStatusCode.NotFound);
        Assert.Equal(200, (await _loyalty.BalanceAsync(bystander.Client, bystander.MemberId)).GetProperty("pending").GetInt32());
    }
}
