using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;

namespace Alle.IntegrationTests.Web;

/// <summary>Loyalty's <c>PATCH /api/loyalty/members/{id}</c>, added for the portal's preferences: a member changes only her own details.</summary>
[Collection(StackCollection.Name)]
public sealed class MemberDetailsApiTests(DistributedAppFixture app)
{
    [Fact]
    public async Task A_member_updates_her_own_details_and_the_profile_hears_of_them_but_not_another_members()
    {
        var (memberId, token) = await EnrolAsync();
        var (otherId, _) = await EnrolAsync();
        using var member = app.CreateClient("gateway");
        member.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var email = $"ana.{Guid.NewGuid():N}@example.com";

        using var updated = await member.PatchAsJsonAsync($"/api/loyalty/members/{memberId}", new { lastName = "Silva-Reyes", email, zip = "10001" });
        using var theirs = await member.PatchAsJsonAsync($"/api/loyalty/members/{otherId}", new { lastName = "Hijacked" });
        using var invalid = await member.PatchAsJsonAsync($"/api/loyalty/members/{memberId}", new { zip = "1000", email = "not-an-address" });
        using var cleared = await member.PatchAsJsonAsync($"/api/loyalty/members/{memberId}", new { zip = "" });

        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        var record = await updated.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Ana", record.GetProperty("firstName").GetString());
        Assert.Equal("Silva-Reyes", record.GetProperty("lastName").GetString());
        Assert.Equal(email, record.GetProperty("email").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, theirs.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        var problems = (await invalid.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(problems.TryGetProperty("zip", out _) && problems.TryGetProperty("email", out _));
        Assert.Equal(JsonValueKind.Null, (await cleared.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("zip").ValueKind);
        var other = await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/loyalty/members/{otherId}");
        Assert.Equal("Test", other.GetProperty("lastName").GetString());

        await Eventually.TrueAsync(async () =>
        {
            using var lookup = await app.AdminGateway.GetAsync($"/api/profiles/lookup?userId={memberId}");
            return lookup.IsSuccessStatusCode && (await lookup.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("traits") is var traits
                && traits.TryGetProperty("email", out var e) && e.GetString() == email
                && traits.TryGetProperty("lastName", out var l) && l.GetString() == "Silva-Reyes";
        }, TimeSpan.FromSeconds(60), "the new details on the member's profile");
    }

    private async Task<(string MemberId, string Token)> EnrolAsync()
    {
        var phone = "+1555" + RandomNumberGenerator.GetInt32(1_000_000, 9_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var response = await app.AdminGateway.PostAsJsonAsync("/api/loyalty/members", new { phone, firstName = "Ana", lastName = "Test", marketingConsent = false });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("memberId").GetString()!, body.GetProperty("token").GetString()!);
    }
}
