using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Alle.IntegrationTests.Messaging;

/// <summary>Sends through the Twilio sandbox: the message log, delivery status callbacks, Twilio's errors.</summary>
[Collection(StackCollection.Name)]
public sealed class MessageLogTests(DistributedAppFixture app)
{
    private readonly MessagingClient _messaging = new(app);

    [Fact]
    public async Task A_text_is_delivered_and_its_log_shows_sid_segments_and_status_history()
    {
        var phone = MessagingClient.NewPhone();
        var body = $"Receipt {Guid.NewGuid().ToString("N")[..8]}: €25 off [code] – thanks!";

        var id = await _messaging.SendAsync(phone, body);
        var delivered = await _messaging.WaitForStatusAsync(id, "delivered");

        Assert.Matches("^SM[0-9a-f]{32}$", delivered.GetProperty("providerSid").GetString());
        // Smart encoding: the en dash goes as '-', so the text is GSM-7 (€ and brackets are in its extension table).
        var sent = body.Replace('–', '-');
        Assert.Equal(sent, delivered.GetProperty("body").GetString());
        Assert.Equal("GSM-7", delivered.GetProperty("encoding").GetString());
        Assert.Equal(1, delivered.GetProperty("segments").GetInt32());
        Assert.Equal(["pending", "sending", "queued", "sent", "delivered"],
            delivered.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("status").GetString()));
        var received = Assert.Single(await _messaging.MessagesToAsync(phone));
        Assert.Equal(sent, received.GetProperty("body").GetString());
        Assert.Equal(delivered.GetProperty("providerSid").GetString(), received.GetProperty("sid").GetString());
    }

    [Fact]
    public async Task A_repeated_idempotency_key_is_the_same_message_and_one_text()
    {
        var phone = MessagingClient.NewPhone();
        var key = Guid.NewGuid().ToString("N");

        var first = await _messaging.SendAsync(phone, "Order shipped", idempotencyKey: key);
        var second = await _messaging.SendAsync(phone, "Order shipped", idempotencyKey: key);
        await _messaging.WaitForStatusAsync(first, "delivered");

        Assert.Equal(first, second);
        Assert.Single(await _messaging.MessagesToAsync(phone));
    }

    [Theory]
    [InlineData("+15005550001", 21211)]
    [InlineData("+15005550002", 21612)]
    [InlineData("+15005550003", 21408)]
    [InlineData("+15005550009", 21614)]
    public async Task Twilio_refusals_fail_the_message_with_twilios_code(string to, int code)
    {
        var id = await _messaging.SendAsync(to, $"refused {Guid.NewGuid():N}");

        var failed = await _messaging.WaitForStatusAsync(id, "failed");

        Assert.Equal(code, failed.GetProperty("errorCode").GetInt32());
        Assert.True(failed.GetProperty("providerSid").ValueKind == JsonValueKind.Null);
    }

    [Theory]
    [InlineData("30003", "undelivered")]
    [InlineData("30008", "failed")]
    public async Task Delivery_failures_arrive_by_status_callback(string tail, string status)
    {
        var phone = "+1555" + Random.Shared.Next(10, 99) + tail;

        var id = await _messaging.SendAsync(phone, $"not delivered {Guid.NewGuid():N}");
        var message = await _messaging.WaitForStatusAsync(id, status);

        Assert.Equal(int.Parse(tail, System.Globalization.CultureInfo.InvariantCulture), message.GetProperty("errorCode").GetInt32());
        Assert.Contains("sent", message.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task The_log_lists_messages_by_phone_member_and_status()
    {
        var phone = MessagingClient.NewPhone();
        var userId = $"member-{Guid.NewGuid():N}";
        var id = await _messaging.SendAsync(phone, "Points posted", userId: userId);
        await _messaging.WaitForStatusAsync(id, "delivered");

        var byMember = await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/messaging/messages?userId={userId}");
        var byPhone = await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/messaging/messages?phone={Uri.EscapeDataString(phone)}&status=delivered");
        var wrongStatus = await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/messaging/messages?phone={Uri.EscapeDataString(phone)}&status=failed");

        Assert.Equal(id, Assert.Single(byMember.GetProperty("data").EnumerateArray()).GetProperty("id").GetString());
        Assert.Equal(id, Assert.Single(byPhone.GetProperty("data").EnumerateArray()).GetProperty("id").GetString());
        Assert.Empty(wrongStatus.GetProperty("data").EnumerateArray());
    }

    [Fact]
    public async Task The_message_api_needs_the_admin_key_and_refuses_bad_input()
    {
        using var anonymous = await app.Gateway.GetAsync("/api/messaging/messages");
        using var badPhone = await app.AdminGateway.PostAsJsonAsync("/api/messaging/messages", new { to = "12", body = "x" });
        using var badCategory = await app.AdminGateway.PostAsJsonAsync("/api/messaging/messages", new { to = "+15555550100", body = "x", category = "promo" });
        using var numericCategory = await app.AdminGateway.PostAsJsonAsync("/api/messaging/messages", new { to = "+15555550100", body = "x", category = "1" });
        using var tooLong = await app.AdminGateway.PostAsJsonAsync("/api/messaging/messages", new { to = "+15555550100", body = new string('a', 1601) });
        using var malformed = await app.AdminGateway.PostAsync("/api/messaging/messages", new StringContent("{\"to\":", Encoding.UTF8, "application/json"));
        using var badStatus = await app.AdminGateway.GetAsync("/api/messaging/messages?status=lost");
        using var unknown = await app.AdminGateway.GetAsync($"/api/messaging/messages/{Guid.NewGuid()}");

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.All([badPhone, badCategory, numericCategory, tooLong, malformed, badStatus], r => Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }
}
