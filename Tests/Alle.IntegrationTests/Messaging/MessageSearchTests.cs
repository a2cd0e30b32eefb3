using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Alle.IntegrationTests.Operators;

namespace Alle.IntegrationTests.Messaging;

/// <summary>The console's message log: search by a phone written any way, keyset pages stable under new texts, totals and cost, texts received.</summary>
[Collection(StackCollection.Name)]
public sealed class MessageSearchTests(DistributedAppFixture app)
{
    private readonly MessagingClient _messaging = new(app);

    private async Task<JsonElement> GetAsync(string path) => await app.AdminGateway.GetFromJsonAsync<JsonElement>(path);

    private static List<string> Ids(JsonElement page) => [.. page.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()!)];

    [Fact]
    public async Task A_phone_written_any_way_finds_its_texts_a_page_at_a_time_and_new_texts_never_shift_a_page()
    {
        var phone = MessagingClient.NewPhone();
        var userId = $"search-{Guid.NewGuid():N}";
        var sent = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            sent.Add(await _messaging.SendAsync(phone, $"Search test {i}: your points are in.", userId: userId));
        }
        await Task.WhenAll(sent.Select(id => _messaging.WaitForStatusAsync(id, "delivered")));
        sent.Reverse(); // newest first, as the log reads

        var national = $"({phone[2..5]}) {phone[5..8]}-{phone[8..]}";
        foreach (var written in new[] { phone, national, $"1.{phone[2..5]}.{phone[5..8]}.{phone[8..]}", phone[2..] })
        {
            Assert.Equal(sent, Ids(await GetAsync($"/api/messaging/messages?phone={Uri.EscapeDataString(written)}")));
        }
        Assert.Equal(sent, Ids(await GetAsync($"/api/messaging/messages?userId={userId}")));

        var first = await GetAsync($"/api/messaging/messages?phone={Uri.EscapeDataString(phone)}&limit=2");
        Assert.Equal(sent[..2], Ids(first));
        Assert.Equal(JsonValueKind.Null, first.GetProperty("newer").ValueKind);
        // A text arriving while she pages: it belongs before the first page, never in the next one.
        var later = await _messaging.SendAsync(phone, "Search test: a later text.", userId: userId);
        var second = await GetAsync($"/api/messaging/messages?phone={Uri.EscapeDataString(phone)}&limit=2&cursor={first.GetProperty("older").GetString()}");
        Assert.Equal(sent[2..4], Ids(second));
        var third = await GetAsync($"/api/messaging/messages?phone={Uri.EscapeDataString(phone)}&limit=2&cursor={second.GetProperty("older").GetString()}");
        Assert.Equal(sent[4..], Ids(third));
        Assert.Equal(JsonValueKind.Null, third.GetProperty("older").ValueKind);
        var back = await GetAsync($"/api/messaging/messages?phone={Uri.EscapeDataString(phone)}&limit=2&cursor={third.GetProperty("newer").GetString()}");
        Assert.Equal(sent[2..4], Ids(back));
        var top = await GetAsync($"/api/messaging/messages?phone={Uri.EscapeDataString(phone)}&limit=2&cursor={back.GetProperty("newer").GetString()}");
        Assert.Equal(sent[..2], Ids(top));
        var newest = await GetAsync($"/api/messaging/messages?phone={Uri.EscapeDataString(phone)}&limit=2&cursor={top.GetProperty("newer").GetString()}");
        Assert.Equal([later], Ids(newest));
        Assert.Equal(JsonValueKind.Null, newest.GetProperty("newer").ValueKind);

        await _messaging.WaitForStatusAsync(later, "delivered");
        var totals = await GetAsync($"/api/messaging/messages/totals?phone={Uri.EscapeDataString(national)}");
        Assert.Equal(6, totals.GetProperty("messages").GetInt64());
        Assert.Equal(6, totals.GetProperty("billedSegments").GetInt64());
        Assert.Equal(6 * 0.0079m, totals.GetProperty("estimatedCost").GetDecimal());
        Assert.Equal("USD", totals.GetProperty("currency").GetString());
        Assert.Equal(0.0079m, (await _messaging.MessageAsync(later)).GetProperty("estimatedCost").GetDecimal());

        var today = DateTimeOffset.UtcNow.Date;
        var inRange = await GetAsync($"/api/messaging/messages?phone={Uri.EscapeDataString(phone)}&from={today:yyyy-MM-dd}T00:00:00Z&to={today.AddDays(1):yyyy-MM-dd}T00:00:00Z");
        var tomorrow = await GetAsync($"/api/messaging/messages?phone={Uri.EscapeDataString(phone)}&from={today.AddDays(1):yyyy-MM-dd}T00:00:00Z");
        Assert.Equal(6, Ids(inRange).Count);
        Assert.Empty(Ids(tomorrow));
    }

    [Fact]
    public async Task Texts_members_send_us_are_listed_newest_first_with_their_keyword()
    {
        var phone = MessagingClient.NewPhone();
        await _messaging.ReplyAsync(phone, "HELP");
        await _messaging.ReplyAsync(phone, "Thanks, see you Tuesday");

        var national = $"({phone[2..5]}) {phone[5..8]}-{phone[8..]}";
        var received = await GetAsync($"/api/messaging/messages/inbound?phone={Uri.EscapeDataString(national)}");
        var texts = received.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(["Thanks, see you Tuesday", "HELP"], texts.Select(t => t.GetProperty("body").GetString()));
        Assert.Equal([null, "HELP"], texts.Select(t => t.GetProperty("keyword").GetString()));
        Assert.All(texts, t => Assert.Equal(phone, t.GetProperty("from").GetString()));

        var first = await GetAsync($"/api/messaging/messages/inbound?phone={Uri.EscapeDataString(phone)}&limit=1");
        var second = await GetAsync($"/api/messaging/messages/inbound?phone={Uri.EscapeDataString(phone)}&limit=1&cursor={first.GetProperty("older").GetString()}");
        Assert.Equal("HELP", Assert.Single(second.GetProperty("data").EnumerateArray()).GetProperty("body").GetString());
        Assert.Equal(JsonValueKind.Null, second.GetProperty("older").ValueKind);
    }

    [Fact]
    public async Task An_analyst_reads_the_log_with_phones_masked_and_codes_are_masked_for_everyone()
    {
        var phone = MessagingClient.NewPhone();
        using var started = await app.Gateway.PostAsJsonAsync("/api/messaging/verify/start", new { phone });
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var code = System.Text.RegularExpressions.Regex.Match((await _messaging.WaitForTextAsync(phone, "verification code")).GetProperty("body").GetString()!, @"\d{6}").Value;
        await _messaging.ReplyAsync(phone, "Who is this?");
        using var analyst = OperatorsClient.WithKey(app, await OperatorsClient.CreateApiKeyAsync(app, $"analyst log {Guid.NewGuid():N}", "analyst"));

        var asAnalyst = await analyst.GetFromJsonAsync<JsonElement>($"/api/messaging/messages?phone={Uri.EscapeDataString(phone)}");
        var inboundAsAnalyst = await analyst.GetFromJsonAsync<JsonElement>($"/api/messaging/messages/inbound?phone={Uri.EscapeDataString(phone)}");
        var asOwner = await GetAsync($"/api/messaging/messages?phone={Uri.EscapeDataString(phone)}");

        // Her code's text (her question is no keyword: nothing answers it).
        var masked = "••••••••" + phone[^4..];
        var texts = asAnalyst.GetProperty("data").EnumerateArray().ToList();
        Assert.NotEmpty(texts);
        Assert.All(texts, t => Assert.Equal(masked, t.GetProperty("to").GetString()));
        Assert.Equal(masked, Assert.Single(inboundAsAnalyst.GetProperty("data").EnumerateArray()).GetProperty("from").GetString());
        Assert.DoesNotContain(phone[2..], asAnalyst.GetRawText() + inboundAsAnalyst.GetRawText(), StringComparison.Ordinal);
        var owners = asOwner.GetProperty("data").EnumerateArray().ToList();
        Assert.All(owners, t => Assert.Equal(phone, t.GetProperty("to").GetString()));
        Assert.Contains(owners, t => t.GetProperty("body").GetString()!.Contains("verification code is ••••••", StringComparison.Ordinal));
        SecretCode.AssertHidden(code, asAnalyst.GetRawText() + asOwner.GetRawText(), "the message search");
    }

    [Theory]
    [InlineData("/api/messaging/messages?cursor=not-a-cursor", "cursor")]
    [InlineData("/api/messaging/messages?cursor=bzoxMjM6bm90LWEtZ3VpZA", "cursor")] // a cursor whose key is not a message id
    [InlineData("/api/messaging/messages/inbound?cursor=%21%21", "cursor")]
    [InlineData("/api/messaging/messages?phone=12", "phone")]
    [InlineData("/api/messaging/messages/totals?phone=call%20me", "phone")]
    [InlineData("/api/messaging/messages?status=lost", "status")]
    [InlineData("/api/messaging/messages/totals?status=lost", "status")]
    [InlineData("/api/messaging/messages?from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z", "to")]
    [InlineData("/api/messaging/messages/inbound?from=2026-12-02T00:00:00Z&to=2026-12-02T00:00:00Z", "to")]
    public async Task Bad_searches_are_refused_with_a_problem_naming_the_field(string path, string field)
    {
        using var response = await app.AdminGateway.GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty(field, out _));
    }

    [Theory]
    [InlineData("/api/messaging/messages?from=yesterday")]
    [InlineData("/api/messaging/messages/totals?to=2026-13-45")]
    public async Task Dates_that_are_not_dates_are_refused_with_a_problem(string path)
    {
        using var response = await app.AdminGateway.GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
