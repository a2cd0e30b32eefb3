using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Alle.Contracts;

namespace Alle.IntegrationTests.Messaging;

/// <summary>A signed-in member reads and changes her own marketing preference; it stays in step with texted keywords.</summary>
[Collection(StackCollection.Name)]
public sealed class PreferencesTests(DistributedAppFixture app)
{
    private readonly MessagingClient _messaging = new(app);

    /// <summary>A member token as the portal issues it: mt1.{base64url(memberId|expiry)}.{base64url(HMAC-SHA256)}.</summary>
    private string MemberToken(string memberId)
    {
        static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var payload = Base64Url(Encoding.UTF8.GetBytes($"{memberId}|{DateTimeOffset.UtcNow.AddMinutes(10).ToUnixTimeSeconds()}"));
        var key = Encoding.UTF8.GetBytes(app.Parameter("member-token-key"));
        return $"mt1.{payload}.{Base64Url(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(payload)))}";
    }

    private HttpClient MemberClient(string memberId)
    {
        var client = app.CreateClient("gateway");
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", MemberToken(memberId));
        return client;
    }

    [Fact]
    public async Task A_member_turns_marketing_off_in_the_portal_and_back_on_by_text()
    {
        await using var bus = await EventBusProbe.StartAsync(app);
        var memberId = $"member-{Guid.NewGuid():N}";
        var phone = MessagingClient.NewPhone();
        await bus.PublishAsync(new MemberEnrolled(memberId, phone, true, true, "Text me offers", "portal", DateTimeOffset.UtcNow.AddMinutes(-1)));
        var member = MemberClient(memberId);

        var before = await Eventually.GetValueAsync<JsonElement>(async () =>
        {
            using var response = await member.GetAsync("/api/messaging/preferences");
            return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadFromJsonAsync<JsonElement>() : null;
        }, TimeSpan.FromSeconds(20), "the member's preferences");
        using var off = await member.PutAsJsonAsync("/api/messaging/preferences", new { marketing = false });
        var afterOff = await off.Content.ReadFromJsonAsync<JsonElement>();

        Assert.True(before.GetProperty("marketing").GetBoolean());
        Assert.Equal(phone[^4..], before.GetProperty("phone").GetString()![^4..]);
        Assert.DoesNotContain(phone[..^4], before.GetProperty("phone").GetString(), StringComparison.Ordinal);
        Assert.False(afterOff.GetProperty("marketing").GetBoolean());
        Assert.Contains(await _messaging.ConsentAsync(phone) is var consent ? consent.GetProperty("consents").EnumerateArray() : default,
            c => c.GetProperty("category").GetString() == "marketing" && c.GetProperty("source").GetString() == "portal" && !c.GetProperty("subscribed").GetBoolean());

        await _messaging.ReplyAsync(phone, "STOP");
        await _messaging.ReplyAsync(phone, "START");
        var afterText = await member.GetFromJsonAsync<JsonElement>("/api/messaging/preferences");

        // START restores what a texted STOP ended (transactional), not the marketing she turned off in the portal.
        Assert.False(afterText.GetProperty("marketing").GetBoolean());
        Assert.True(afterText.GetProperty("transactional").GetBoolean());
    }

    [Fact]
    public async Task Preferences_need_a_valid_member_token_and_a_known_phone()
    {
        var forged = app.CreateClient("gateway");
        forged.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", MemberToken("someone")[..^4] + "AAAA");
        using var refused = await forged.GetAsync("/api/messaging/preferences");
        using var unknown = await MemberClient($"member-{Guid.NewGuid():N}").GetAsync("/api/messaging/preferences");
        using var badBody = await MemberClient("someone").PutAsJsonAsync("/api/messaging/preferences", new { marketing = "maybe" });

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badBody.StatusCode);
    }
}
