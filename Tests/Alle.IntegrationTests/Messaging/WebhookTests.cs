using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Alle.IntegrationTests.Messaging;

/// <summary>Twilio's webhooks through the gateway: the signature is checked against the URL the caller used.</summary>
[Collection(StackCollection.Name)]
public sealed class WebhookTests(DistributedAppFixture app)
{
    private readonly MessagingClient _messaging = new(app);
    private string AuthToken => app.Parameter("twilio-auth-token");

    private async Task<HttpResponseMessage> PostAsync(string path, Dictionary<string, string> form, string? signature)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(form) };
        if (signature is not null)
        {
            request.Headers.Add("X-Twilio-Signature", signature);
        }
        return await app.Gateway.SendAsync(request);
    }

    private Dictionary<string, string> Inbound(string from, string body) => new()
    {
        ["MessageSid"] = "SM" + Guid.NewGuid().ToString("N"),
        ["AccountSid"] = app.Parameter("twilio-account-sid"),
        ["From"] = from,
        ["To"] = "+15005550006",
        ["Body"] = body,
        ["NumMedia"] = "0",
    };

    [Fact]
    public async Task Unsigned_or_wrongly_signed_webhooks_are_refused_and_change_nothing()
    {
        var phone = MessagingClient.NewPhone();
        var form = Inbound(phone, "STOP");
        var url = new Uri(app.Gateway.BaseAddress!, "/webhooks/twilio/inbound").ToString();

        using var unsigned = await PostAsync("/webhooks/twilio/inbound", form, null);
        using var wrongToken = await PostAsync("/webhooks/twilio/inbound", form, MessagingClient.Sign("not-the-token", url, form));
        using var wrongUrl = await PostAsync("/webhooks/twilio/inbound", form, MessagingClient.Sign(AuthToken, url.Replace("inbound", "status", StringComparison.Ordinal), form));
        using var status = await PostAsync("/webhooks/twilio/status", new() { ["MessageSid"] = "SM1", ["MessageStatus"] = "delivered" }, "bogus");

        Assert.All([unsigned, wrongToken, wrongUrl, status], r => Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode));
        Assert.Equal("application/problem+json", unsigned.Content.Headers.ContentType?.MediaType);
        Assert.Empty((await _messaging.ConsentAsync(phone)).GetProperty("consents").EnumerateArray());
    }

    [Fact]
    public async Task A_signed_inbound_stop_is_applied_once_even_when_delivered_twice()
    {
        var phone = MessagingClient.NewPhone();
        var form = Inbound(phone, "Cancel");
        var signature = MessagingClient.Sign(AuthToken, new Uri(app.Gateway.BaseAddress!, "/webhooks/twilio/inbound").ToString(), form);

        using var first = await PostAsync("/webhooks/twilio/inbound", form, signature);
        using var again = await PostAsync("/webhooks/twilio/inbound", form, signature);
        var consent = await _messaging.ConsentAsync(phone);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Contains("<Message>", await first.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.DoesNotContain("<Message>", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(2, consent.GetProperty("audit").GetArrayLength());
        Assert.All(consent.GetProperty("consents").EnumerateArray(), c => Assert.False(c.GetProperty("subscribed").GetBoolean()));
    }

    [Fact]
    public async Task An_inbound_text_is_queued_for_the_timeline_as_sms_received_with_the_phone_as_external_id()
    {
        var phone = MessagingClient.NewPhone();

        var reply = await _messaging.ReplyAsync(phone, "What are your opening hours?");
        var sid = reply.GetProperty("sid").GetString()!;

        await using var dataSource = Npgsql.NpgsqlDataSource.Create(app.ConnectionString("messagingdb"));
        await using var command = dataSource.CreateCommand("SELECT payload::text FROM outbox_messages WHERE destination = 'tracking' AND message_id = $1");
        command.Parameters.AddWithValue($"sms-received-{sid}");
        var call = JsonDocument.Parse((string)(await command.ExecuteScalarAsync())!).RootElement;

        Assert.Equal("SMS Received", call.GetProperty("event").GetString());
        Assert.Equal("What are your opening hours?", call.GetProperty("properties").GetProperty("body").GetString());
        var externalId = Assert.Single(call.GetProperty("context").GetProperty("externalIds").EnumerateArray());
        Assert.Equal((phone, "phone", "users"), (externalId.GetProperty("id").GetString(), externalId.GetProperty("type").GetString(), externalId.GetProperty("collection").GetString()));
        Assert.StartsWith("sms-", call.GetProperty("anonymousId").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_signature_is_checked_against_the_forwarded_host_and_scheme()
    {
        var phone = MessagingClient.NewPhone();
        var form = Inbound(phone, "HELP");
        // As a TLS-terminating proxy in front of the gateway would: the caller used https://sms.alle.example.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/twilio/inbound") { Content = new FormUrlEncodedContent(form) };
        request.Headers.Add("X-Forwarded-Proto", "https");
        request.Headers.Add("X-Forwarded-Host", "sms.alle.example");
        request.Headers.Add("X-Twilio-Signature", MessagingClient.Sign(AuthToken, "https://sms.alle.example/webhooks/twilio/inbound", form));

        using var response = await app.Gateway.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_status_callback_for_an_unknown_message_is_acknowledged()
    {
        var form = new Dictionary<string, string> { ["MessageSid"] = "SM" + Guid.NewGuid().ToString("N"), ["MessageStatus"] = "delivered" };
        var signature = MessagingClient.Sign(AuthToken, new Uri(app.Gateway.BaseAddress!, "/webhooks/twilio/status").ToString(), form);

        using var response = await PostAsync("/webhooks/twilio/status", form, signature);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }
}
