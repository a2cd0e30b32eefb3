using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Alle.IntegrationTests.Messaging;

namespace Alle.IntegrationTests.TwilioSandbox;

/// <summary>The sandbox speaks Twilio's Messages API: paths, Basic auth, resource JSON, error objects, magic numbers, lifecycle.</summary>
[Collection(StackCollection.Name)]
public sealed class TwilioApiTests(DistributedAppFixture app)
{
    private string AccountSid => app.Parameter("twilio-account-sid");

    private HttpClient Twilio(string? token = null)
    {
        var client = app.CreateClient("twilio-sandbox");
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{AccountSid}:{token ?? app.Parameter("twilio-auth-token")}")));
        return client;
    }

    private Task<HttpResponseMessage> CreateAsync(HttpClient client, string to, string from = "+15005550006", string body = "Hello from the sandbox") =>
        client.PostAsync($"/2010-04-01/Accounts/{AccountSid}/Messages.json",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["To"] = to, ["From"] = from, ["Body"] = body }));

    [Fact]
    public async Task A_message_is_created_as_twilio_answers_and_moves_to_delivered()
    {
        var twilio = Twilio();
        var to = MessagingClient.NewPhone();

        using var created = await CreateAsync(twilio, to);
        var resource = await created.Content.ReadFromJsonAsync<JsonElement>();
        var sid = resource.GetProperty("sid").GetString()!;

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Matches("^SM[0-9a-f]{32}$", sid);
        Assert.Equal("queued", resource.GetProperty("status").GetString());
        Assert.Equal("outbound-api", resource.GetProperty("direction").GetString());
        Assert.Equal(to, resource.GetProperty("to").GetString());
        Assert.Equal("1", resource.GetProperty("num_segments").GetString());
        Assert.Equal($"/2010-04-01/Accounts/{AccountSid}/Messages/{sid}.json", resource.GetProperty("uri").GetString());
        Assert.Matches(@"^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000$", resource.GetProperty("date_created").GetString());

        var delivered = await Eventually.GetValueAsync<JsonElement>(async () =>
        {
            var fetched = await twilio.GetFromJsonAsync<JsonElement>($"/2010-04-01/Accounts/{AccountSid}/Messages/{sid}.json");
            return fetched.GetProperty("status").GetString() == "delivered" ? fetched : null;
        }, TimeSpan.FromSeconds(10), "the message to be delivered");
        Assert.NotEqual(JsonValueKind.Null, delivered.GetProperty("date_sent").ValueKind);
    }

    [Theory]
    [InlineData("+15005550001", "+15005550006", 21211)]
    [InlineData("+15005550002", "+15005550006", 21612)]
    [InlineData("+15005550003", "+15005550006", 21408)]
    [InlineData("+15005550004", "+15005550006", 21610)]
    [InlineData("+15005550009", "+15005550006", 21614)]
    [InlineData("+15555550100", "+15005550001", 21212)]
    [InlineData("+15555550100", "+15005550007", 21606)]
    [InlineData("+15555550100", "+15005550008", 21611)]
    [InlineData("not-a-number", "+15005550006", 21211)]
    public async Task Magic_numbers_answer_twilios_error_objects(string to, string from, int code)
    {
        using var response = await CreateAsync(Twilio(), to, from);
        var error = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(code, error.GetProperty("code").GetInt32());
        Assert.Equal(400, error.GetProperty("status").GetInt32());
        Assert.Equal($"https://www.twilio.com/docs/errors/{code}", error.GetProperty("more_info").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
    }

    [Fact]
    public async Task Wrong_credentials_get_twilios_authentication_error()
    {
        using var response = await CreateAsync(Twilio("wrong-token"), MessagingClient.NewPhone());
        var error = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(20003, error.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Missing_parameters_are_refused_with_twilios_codes()
    {
        var twilio = Twilio();
        using var noBody = await CreateAsync(twilio, MessagingClient.NewPhone(), body: "");
        using var noTo = await twilio.PostAsync($"/2010-04-01/Accounts/{AccountSid}/Messages.json",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["From"] = "+15005550006", ["Body"] = "x" }));

        Assert.Equal(21602, (await noBody.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetInt32());
        Assert.Equal(21604, (await noTo.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task A_number_that_texted_stop_gets_21610_until_it_texts_start()
    {
        var twilio = Twilio();
        var messaging = new MessagingClient(app);
        var phone = MessagingClient.NewPhone();

        await messaging.ReplyAsync(phone, "STOP");
        using var blocked = await CreateAsync(twilio, phone);
        await messaging.ReplyAsync(phone, "UNSTOP");
        using var allowed = await CreateAsync(twilio, phone);

        Assert.Equal(21610, (await blocked.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetInt32());
        Assert.Equal(HttpStatusCode.Created, allowed.StatusCode);
    }

    [Fact]
    public async Task The_inbox_page_and_its_json_show_a_numbers_messages()
    {
        var twilio = Twilio();
        var phone = MessagingClient.NewPhone();
        using var created = await CreateAsync(twilio, phone, body: "Shown in the inbox");

        var sandbox = app.CreateClient("twilio-sandbox");
        var page = await sandbox.GetStringAsync($"/inbox/{Uri.EscapeDataString(phone)}");
        var inbox = await sandbox.GetFromJsonAsync<JsonElement>($"/api/inbox/{Uri.EscapeDataString(phone)}");
        var phones = await sandbox.GetFromJsonAsync<JsonElement>("/api/inbox");
        using var badNumber = await sandbox.GetAsync("/api/inbox/hello");

        Assert.Contains("Phone inbox", page, StringComparison.Ordinal);
        Assert.Equal("Shown in the inbox", Assert.Single(inbox.GetProperty("messages").EnumerateArray()).GetProperty("body").GetString());
        Assert.Contains(phones.GetProperty("phones").EnumerateArray(), p => p.GetProperty("phone").GetString() == phone);
        Assert.Equal(HttpStatusCode.BadRequest, badNumber.StatusCode);
    }
}
