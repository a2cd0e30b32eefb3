using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Alle.IntegrationTests.Messaging;

/// <summary>One-time codes through the public gateway, read from the sandbox's phone inbox.</summary>
[Collection(StackCollection.Name)]
public sealed partial class VerifyTests(DistributedAppFixture app)
{
    private readonly MessagingClient _messaging = new(app);

    [GeneratedRegex(@"\b(\d{6})\b")]
    private static partial Regex CodePattern();

    private async Task<string> RequestCodeAsync(string phone, int previousCodes = 0)
    {
        using var start = await app.Gateway.PostAsJsonAsync("/api/messaging/verify/start", new { phone });
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        var texts = await Eventually.GetAsync(async () =>
        {
            var received = (await _messaging.MessagesToAsync(phone)).Where(m => m.GetProperty("body").GetString()!.Contains("verification code", StringComparison.Ordinal)).ToList();
            return received.Count > previousCodes ? received : null;
        }, TimeSpan.FromSeconds(30), "the code in the phone's inbox");
        return CodePattern().Match(texts[0].GetProperty("body").GetString()!).Groups[1].Value;
    }

    private async Task<JsonElement> CheckAsync(string phone, string code)
    {
        using var check = await app.Gateway.PostAsJsonAsync("/api/messaging/verify/check", new { phone, code });
        Assert.Equal(HttpStatusCode.OK, check.StatusCode);
        return await check.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Fact]
    public async Task A_code_texted_to_the_phone_is_approved_once()
    {
        var phone = MessagingClient.NewPhone();
        var code = await RequestCodeAsync(phone);
        var wrong = code == "000000" ? "111111" : "000000";

        var miss = await CheckAsync(phone, wrong);
        var hit = await CheckAsync(phone, code);
        var replay = await CheckAsync(phone, code);

        Assert.Equal(("pending", false), (miss.GetProperty("status").GetString(), miss.GetProperty("valid").GetBoolean()));
        Assert.Equal(("approved", true), (hit.GetProperty("status").GetString(), hit.GetProperty("valid").GetBoolean()));
        Assert.False(replay.GetProperty("valid").GetBoolean());
    }

    [Fact]
    public async Task Five_wrong_codes_lock_the_code_and_a_new_one_supersedes_it()
    {
        var phone = MessagingClient.NewPhone();
        var code = await RequestCodeAsync(phone);
        var wrong = code == "000000" ? "111111" : "000000";

        for (var i = 0; i < 5; i++)
        {
            await CheckAsync(phone, wrong);
        }
        var locked = await CheckAsync(phone, code);
        var second = await RequestCodeAsync(phone, previousCodes: 1);
        var firstAfterNew = await CheckAsync(phone, code);
        var approved = await CheckAsync(phone, second);

        Assert.Equal(("max_attempts_reached", false), (locked.GetProperty("status").GetString(), locked.GetProperty("valid").GetBoolean()));
        Assert.False(firstAfterNew.GetProperty("valid").GetBoolean());
        Assert.True(approved.GetProperty("valid").GetBoolean());
    }

    [Fact]
    public async Task At_most_five_codes_per_number_per_hour()
    {
        var phone = MessagingClient.NewPhone();
        for (var i = 0; i < 5; i++)
        {
            using var accepted = await app.Gateway.PostAsJsonAsync("/api/messaging/verify/start", new { phone });
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        }

        using var refused = await app.Gateway.PostAsJsonAsync("/api/messaging/verify/start", new { phone });

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        await Eventually.TrueAsync(async () => (await _messaging.MessagesToAsync(phone)).Count == 5, TimeSpan.FromSeconds(30), "five codes delivered");
    }

    [Fact]
    public async Task Answers_do_not_tell_members_from_strangers()
    {
        var stranger = MessagingClient.NewPhone();

        using var start = await app.Gateway.PostAsJsonAsync("/api/messaging/verify/start", new { phone = stranger });
        var body = await start.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        Assert.Equal(["channel", "expiresInSeconds", "sid", "status"], body.EnumerateObject().Select(p => p.Name).Order());
        var unknown = await CheckAsync(MessagingClient.NewPhone(), "123456");
        Assert.Equal(("expired", false), (unknown.GetProperty("status").GetString(), unknown.GetProperty("valid").GetBoolean()));
    }

    [Theory]
    [InlineData("""{"phone":"not a phone"}""", "phone")]
    [InlineData("""{"phone":""}""", "phone")]
    [InlineData("""{}""", "phone")]
    public async Task Bad_start_requests_get_a_validation_problem(string json, string field)
    {
        using var response = await app.Gateway.PostAsync("/api/messaging/verify/start", new StringContent(json, Encoding.UTF8, "application/json"));
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _));
    }

    [Theory]
    [InlineData("""{"phone":"+15555550100","code":"12345"}""")]
    [InlineData("""{"phone":"+15555550100","code":"abcdef"}""")]
    [InlineData("""{"phone":"+15555550100","code":123456}""")]
    [InlineData("""{"phone":"+15555550100",""")]
    public async Task Malformed_checks_are_refused_and_use_up_no_attempt(string json)
    {
        using var response = await app.Gateway.PostAsync("/api/messaging/verify/check", new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
