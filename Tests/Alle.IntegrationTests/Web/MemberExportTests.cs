using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Alle.IntegrationTests.Web;

/// <summary>
/// "Download my data" is assembled by asking each service for its part: every part holds a record of the member — her
/// profile and events (Profiles), her ledger and check-in (Loyalty, with her own member token), her consent and the texts
/// sent to her (Messaging), and her audiences (Audiences) — and her sign-in code's text is masked in Messaging's part.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class MemberExportTests(DistributedAppFixture app)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Every_service_s_part_of_a_member_s_export_holds_a_record_of_her()
    {
        var phone = TestPhones.New();
        using (var code = await app.Gateway.PostAsJsonAsync("/api/messaging/verify/start", new { phone }))
        {
            Assert.Equal(HttpStatusCode.Accepted, code.StatusCode);
        }
        using var enrolled = await app.AdminGateway.PostAsJsonAsync("/api/loyalty/members", new { phone, firstName = "Lena", lastName = "Export", marketingConsent = true });
        Assert.Equal(HttpStatusCode.Created, enrolled.StatusCode);
        var enrolment = await enrolled.Content.ReadFromJsonAsync<JsonElement>();
        var memberId = enrolment.GetProperty("memberId").GetString()!;
        using var member = app.CreateClient("gateway");
        member.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", enrolment.GetProperty("token").GetString());
        using (var checkIn = await member.PostAsJsonAsync($"/api/loyalty/members/{memberId}/check-ins", new { providerId = "prv_chelsea_skin" }))
        {
            Assert.Equal(HttpStatusCode.Created, checkIn.StatusCode);
        }
        using (var again = await member.PostAsJsonAsync($"/api/loyalty/members/{memberId}/check-ins", new { providerId = "prv_chelsea_skin" }))
        {
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
            var refusal = await again.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("urn:alle:loyalty:already-checked-in-here", refusal.GetProperty("type").GetString());
            Assert.Equal("Chelsea Skin & Laser", refusal.GetProperty("providerName").GetString());
            Assert.True(refusal.GetProperty("allowedFrom").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(100));
        }

        var profiles = await Eventually.GetValueAsync(async () =>
        {
            using var response = await app.AdminGateway.GetAsync($"/api/profiles/export?userId={memberId}");
            var body = response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonElement>() : default;
            return response.IsSuccessStatusCode && body.GetProperty("events").EnumerateArray().Any(e => e.TryGetProperty("event", out var name) && name.GetString() == "Provider Checked In")
                ? body : (JsonElement?)null;
        }, s_timeout, "her profile with her check-in");
        Assert.Contains(profiles.GetProperty("identifiers").EnumerateArray(), i => i.GetProperty("type").GetString() == "phone" && i.GetProperty("value").GetString() == phone);

        using (var others = await member.GetAsync("/api/loyalty/members/mbr_someone_else/export"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, others.StatusCode);
        }
        var loyalty = await member.GetFromJsonAsync<JsonElement>($"/api/loyalty/members/{memberId}/export");
        Assert.Equal(memberId, loyalty.GetProperty("member").GetProperty("memberId").GetString());
        Assert.Equal("prv_chelsea_skin", Assert.Single(loyalty.GetProperty("checkIns").EnumerateArray()).GetProperty("providerId").GetString());
        Assert.Equal(0, loyalty.GetProperty("balance").GetProperty("available").GetInt32());

        var messaging = await Eventually.GetValueAsync(async () =>
        {
            var body = await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/messaging/members/{memberId}/export");
            return body.GetProperty("consent").EnumerateArray().Any(c => c.GetProperty("current").GetArrayLength() == 2) ? body : (JsonElement?)null;
        }, s_timeout, "her enrolment consent in messaging");
        Assert.Equal(phone, Assert.Single(messaging.GetProperty("phones").EnumerateArray()).GetString());
        var codeText = Assert.Single(messaging.GetProperty("messages").EnumerateArray(), m => m.GetProperty("purpose").GetString() == "verification");
        Assert.Matches("^Your Alle verification code is ••••••\\.", codeText.GetProperty("body").GetString());
        Assert.Equal(1, messaging.GetProperty("signInCodesRequested").GetInt32());

        var audiences = await Eventually.GetValueAsync(async () =>
        {
            using var response = await app.AdminGateway.GetAsync($"/api/audiences/profiles/{Uri.EscapeDataString($"user_id:{memberId}")}");
            return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonElement>() : (JsonElement?)null;
        }, s_timeout, "her profile in audiences");
        Assert.Equal(JsonValueKind.Object, audiences.ValueKind);
    }
}
