using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Alle.IntegrationTests.Messaging;

/// <summary>What the messaging tests do through the gateway and the Twilio sandbox's inbox.</summary>
internal sealed class MessagingClient(DistributedAppFixture app)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    public HttpClient Sandbox { get; } = app.CreateClient("twilio-sandbox");

    /// <summary>A fresh US number in the fictional 555-01xx range's neighbourhood, unique per test.</summary>
    public static string NewPhone() => TestPhones.New();

    public async Task<JsonElement> InboxAsync(string phone) =>
        await Sandbox.GetFromJsonAsync<JsonElement>($"/api/inbox/{Uri.EscapeDataString(phone)}");

    public async Task<IReadOnlyList<JsonElement>> MessagesToAsync(string phone) =>
        [.. (await InboxAsync(phone)).GetProperty("messages").EnumerateArray().Where(m => m.GetProperty("to").GetString() == phone)];

    /// <summary>Waits until a text containing <paramref name="fragment"/> reached the phone.</summary>
    public Task<JsonElement> WaitForTextAsync(string phone, string fragment) => Eventually.GetValueAsync<JsonElement>(async () =>
        (await MessagesToAsync(phone)).FirstOrDefault(m => m.GetProperty("body").GetString()!.Contains(fragment, StringComparison.Ordinal)) is { ValueKind: JsonValueKind.Object } found
            ? found : null, s_timeout, $"a text containing '{fragment}'");

    public async Task<JsonElement> ReplyAsync(string phone, string body)
    {
        using var response = await Sandbox.PostAsJsonAsync($"/api/inbox/{Uri.EscapeDataString(phone)}/reply", new { body });
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public async Task<string> SendAsync(string to, string body, string category = "transactional", string? idempotencyKey = null, string? userId = null)
    {
        using var response = await app.AdminGateway.PostAsJsonAsync("/api/messaging/messages", new { to, body, category, idempotencyKey, userId });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    public async Task<JsonElement> MessageAsync(string id) => await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/messaging/messages/{id}");

    /// <summary>Waits until the message reaches one of <paramref name="statuses"/>.</summary>
    public Task<JsonElement> WaitForStatusAsync(string id, params string[] statuses) => Eventually.GetValueAsync<JsonElement>(async () =>
    {
        var message = await MessageAsync(id);
        return statuses.Contains(message.GetProperty("status").GetString()) ? message : null;
    }, s_timeout, $"message {id} to be {string.Join(" or ", statuses)}");

    public async Task<JsonElement> ConsentAsync(string phone) =>
        await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/messaging/consent/{Uri.EscapeDataString(phone)}");

    public async Task SetConsentAsync(string phone, string category, bool subscribed, string source = "integration test")
    {
        using var response = await app.AdminGateway.PutAsJsonAsync($"/api/messaging/consent/{Uri.EscapeDataString(phone)}",
            new { category, subscribed, source, evidence = "set by a test" });
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Signs a webhook as Twilio does, independently of the service's own code: HMAC-SHA1 of URL + sorted name/value pairs.</summary>
    public static string Sign(string authToken, string url, IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var data = new StringBuilder(url);
        foreach (var (name, value) in parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            data.Append(name).Append(value);
        }
        return Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(authToken), Encoding.UTF8.GetBytes(data.ToString())));
    }
}
