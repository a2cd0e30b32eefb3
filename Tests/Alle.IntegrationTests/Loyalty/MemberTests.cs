using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Alle.IntegrationTests.Loyalty;

[Collection(StackCollection.Name)]
public sealed class MemberTests(DistributedAppFixture app)
{
    private readonly LoyaltyTestClient _loyalty = new(app);

    [Fact]
    public async Task Enrolment_returns_an_unguessable_member_id_and_a_token_for_the_portal()
    {
        var phone = LoyaltyTestClient.NewPhone();
        var member = await _loyalty.EnrolAsync(phone);

        Assert.Matches("^mbr_[0-9A-Za-z]{22}$", member.MemberId);
        Assert.StartsWith("mt1.", member.Token, StringComparison.Ordinal);
        var record = await member.Client.GetFromJsonAsync<JsonElement>($"/api/loyalty/members/{member.MemberId}");
        Assert.Equal(phone, record.GetProperty("phone").GetString());
        Assert.Equal("enrolled", record.GetProperty("status").GetString());
        Assert.Equal("member", record.GetProperty("tier").GetString());

        // The portal calling again for the same verified phone gets the same member, and nothing is duplicated.
        using var again = await _loyalty.Admin.PostAsJsonAsync("/api/loyalty/members", LoyaltyTestClient.EnrolmentBody("(" + phone[2..5] + ") " + phone[5..8] + "-" + phone[8..]));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var body = await again.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(member.MemberId, body.GetProperty("memberId").GetString());
        Assert.True(body.GetProperty("alreadyEnrolled").GetBoolean());
        Assert.Equal(1, await _loyalty.CountAsync("SELECT count(*) FROM members WHERE phone = $1", phone));
    }

    [Fact]
    public async Task A_members_own_enrolment_claims_the_record_her_provider_pre_registered_with_its_points()
    {
        var phone = LoyaltyTestClient.NewPhone();
        using var preRegistered = await _loyalty.ProviderDesk.PostAsJsonAsync($"/api/loyalty/providers/{LoyaltyTestClient.Provider}/members",
            new { phone = phone[2..], firstName = "Avery" });
        Assert.Equal(HttpStatusCode.Created, preRegistered.StatusCode);
        var memberId = (await preRegistered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("memberId").GetString()!;
        await _loyalty.PurchaseAsync(memberId, LoyaltyTestClient.NewId("pur"), ("botox-cosmetic", 450m));

        var member = await _loyalty.EnrolAsync(phone);

        Assert.Equal(memberId, member.MemberId);
        Assert.True(member.Response.GetProperty("claimedPreRegistration").GetBoolean());
        Assert.Equal(200, (await _loyalty.BalanceAsync(member.Client, memberId)).GetProperty("pending").GetInt32());
        Assert.Equal(1, await _loyalty.CountAsync("SELECT count(*) FROM members WHERE phone = $1", phone));
    }

    [Fact]
    public async Task Concurrent_enrolments_of_one_phone_end_with_one_member()
    {
        var phone = LoyaltyTestClient.NewPhone();
        using var preRegistered = await _loyalty.ProviderDesk.PostAsJsonAsync($"/api/loyalty/providers/{LoyaltyTestClient.Provider}/members", new { phone });
        Assert.Equal(HttpStatusCode.Created, preRegistered.StatusCode);

        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ =>
            _loyalty.Admin.PostAsJsonAsync("/api/loyalty/members", LoyaltyTestClient.EnrolmentBody(phone))));

        var bodies = await Task.WhenAll(responses.Select(r => r.Content.ReadFromJsonAsync<JsonElement>()));
        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        Assert.Equal(11, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Single(bodies.Select(b => b.GetProperty("memberId").GetString()).Distinct());
        Assert.Single(bodies, b => b.GetProperty("claimedPreRegistration").GetBoolean());
        Assert.Equal(1, await _loyalty.CountAsync("SELECT count(*) FROM members WHERE phone = $1", phone));
        Assert.Equal(1, await _loyalty.CountAsync("SELECT count(*) FROM outbox_messages WHERE destination = 'bus' AND ordering_key = (SELECT 'member:' || member_id FROM members WHERE phone = $1)", phone));
    }

    [Fact]
    public async Task Bad_enrolments_are_refused_with_problems_and_create_nothing()
    {
        var phone = LoyaltyTestClient.NewPhone();

        using var badPhone = await _loyalty.Admin.PostAsJsonAsync("/api/loyalty/members", LoyaltyTestClient.EnrolmentBody("12"));
        await LoyaltyTestClient.AssertProblemAsync(badPhone, HttpStatusCode.BadRequest);
        Assert.Contains("phone", await badPhone.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var noConsentChoice = await _loyalty.Admin.PostAsJsonAsync("/api/loyalty/members", new { phone, firstName = "A", lastName = "B" });
        await LoyaltyTestClient.AssertProblemAsync(noConsentChoice, HttpStatusCode.BadRequest);

        using var malformed = await _loyalty.Admin.PostAsync("/api/loyalty/members", new StringContent("{\"phone\": ", Encoding.UTF8, "application/json"));
        await LoyaltyTestClient.AssertProblemAsync(malformed, HttpStatusCode.BadRequest);

        using var wrongType = await _loyalty.Admin.PostAsync("/api/loyalty/members",
            new StringContent($"{{\"phone\":\"{phone}\",\"firstName\":\"A\",\"lastName\":\"B\",\"marketingConsent\":\"maybe\"}}", Encoding.UTF8, "application/json"));
        await LoyaltyTestClient.AssertProblemAsync(wrongType, HttpStatusCode.BadRequest);

        using var longName = await _loyalty.Admin.PostAsJsonAsync("/api/loyalty/members", new { phone, firstName = new string('a', 100_000), lastName = "B", marketingConsent = true });
        await LoyaltyTestClient.AssertProblemAsync(longName, HttpStatusCode.BadRequest);

        // With Expect: 100-continue the refusal comes from the declared length, before the body is sent.
        using var oversizedRequest = new HttpRequestMessage(HttpMethod.Post, "/api/loyalty/members")
        {
            Content = new StringContent($"{{\"phone\":\"{phone}\",\"firstName\":\"{new string('a', 5_000_000)}\"}}", Encoding.UTF8, "application/json"),
        };
        oversizedRequest.Headers.ExpectContinue = true;
        using var oversized = await _loyalty.Admin.SendAsync(oversizedRequest);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, oversized.StatusCode);

        Assert.Equal(0, await _loyalty.CountAsync("SELECT count(*) FROM members WHERE phone = $1", phone));
    }

    [Fact]
    public async Task Only_the_admin_key_enrols_and_only_the_provider_key_pre_registers()
    {
        var member = await _loyalty.EnrolAsync();
        var body = LoyaltyTestClient.EnrolmentBody(LoyaltyTestClient.NewPhone());

        using var anonymous = await app.Gateway.PostAsJsonAsync("/api/loyalty/members", body);
        await LoyaltyTestClient.AssertProblemAsync(anonymous, HttpStatusCode.Unauthorized);
        using var byMember = await member.Client.PostAsJsonAsync("/api/loyalty/members", body);
        Assert.Equal(HttpStatusCode.Unauthorized, byMember.StatusCode);
        using var byProvider = await _loyalty.ProviderDesk.PostAsJsonAsync("/api/loyalty/members", body);
        await LoyaltyTestClient.AssertProblemAsync(byProvider, HttpStatusCode.Unauthorized);
        using var preRegisterByAdmin = await _loyalty.Admin.PostAsJsonAsync($"/api/loyalty/providers/{LoyaltyTestClient.Provider}/members", new { phone = LoyaltyTestClient.NewPhone() });
        await LoyaltyTestClient.AssertProblemAsync(preRegisterByAdmin, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_member_token_reaches_only_its_own_member()
    {
        var avery = await _loyalty.EnrolAsync();
        var blake = await _loyalty.EnrolAsync();
        await _loyalty.GrantAvailablePointsAsync(blake.MemberId, 300);

        foreach (var path in new[] { "", "/points", "/points/history", "/offers", "/coupons" })
        {
            using var response = await avery.Client.GetAsync($"/api/loyalty/members/{blake.MemberId}{path}");
            await LoyaltyTestClient.AssertProblemAsync(response, HttpStatusCode.Forbidden, "urn:alle:loyalty:not-your-account");
        }
        using var redeem = await avery.Client.PostAsJsonAsync($"/api/loyalty/members/{blake.MemberId}/redemptions",
            new { redemptionId = LoyaltyTestClient.NewId("red"), points = 100, providerId = LoyaltyTestClient.Provider });
        await LoyaltyTestClient.AssertProblemAsync(redeem, HttpStatusCode.Forbidden);
        using var checkIn = await avery.Client.PostAsJsonAsync($"/api/loyalty/members/{blake.MemberId}/check-ins", new { providerId = LoyaltyTestClient.Provider });
        await LoyaltyTestClient.AssertProblemAsync(checkIn, HttpStatusCode.Forbidden);
        Assert.Equal(300, (await _loyalty.BalanceAsync(blake.Client, blake.MemberId)).GetProperty("available").GetInt32());

        using var forged = _loyalty.AsMember(avery.Token[..^4] + "AAAA");
        using var withForgedToken = await forged.GetAsync($"/api/loyalty/members/{avery.MemberId}/points");
        await LoyaltyTestClient.AssertProblemAsync(withForgedToken, HttpStatusCode.Unauthorized);
        using var asProvider = await _loyalty.ProviderDesk.GetAsync($"/api/loyalty/members/{avery.MemberId}/points");
        await LoyaltyTestClient.AssertProblemAsync(asProvider, HttpStatusCode.Unauthorized);
        using var asAdmin = await _loyalty.Admin.GetAsync($"/api/loyalty/members/{avery.MemberId}/points");
        Assert.Equal(HttpStatusCode.OK, asAdmin.StatusCode);
    }
}
