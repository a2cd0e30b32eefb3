using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Alle.IntegrationTests.Destinations;

/// <summary>A destination created by a test: its id and its secret (given out once, at creation).</summary>
public sealed record CreatedDestination(Guid Id, string Secret);

/// <summary>
/// The Destinations API through the gateway (admin key), and a source of the test's own at ingestion, so that the
/// test's destinations receive only the test's events on the shared application.
/// </summary>
public sealed class DestinationsClient(DistributedAppFixture app)
{
    public HttpClient Admin => app.AdminGateway;

    /// <summary>A new source at ingestion and a tracking client holding its write key.</summary>
    public async Task<(string SourceId, HttpClient Tracking)> CreateSourceAsync(string prefix)
    {
        var id = $"{prefix}-{Guid.NewGuid():N}"[..40];
        using var response = await app.AdminGateway.PostAsJsonAsync("/api/ingestion/sources", new { id, name = id });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var writeKey = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("writeKey").GetString()!;
        var tracking = app.CreateClient("gateway");
        tracking.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{writeKey}:")));
        return (id, tracking);
    }

    public async Task<CreatedDestination> CreateAsync(object destination, params string[] sources)
    {
        using var response = await Admin.PostAsJsonAsync("/api/destinations", destination);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        var result = new CreatedDestination(created.GetProperty("destination").GetProperty("id").GetGuid(), created.GetProperty("secret").GetString()!);
        foreach (var source in sources)
        {
            using var connected = await Admin.PutAsync($"/api/destinations/{result.Id}/sources/{source}", null);
            Assert.Equal(HttpStatusCode.OK, connected.StatusCode);
        }
        return result;
    }

    public static object Webhook(string url, object? delivery = null, string[]? consentCategories = null, object? filters = null, object? settings = null) => new
    {
        name = $"Test webhook {Guid.NewGuid():N}"[..30],
        type = "webhook",
        settings = settings ?? new { url },
        delivery,
        consentCategories,
        filters,
    };

    public async Task DeleteAsync(Guid id)
    {
        using var response = await Admin.DeleteAsync($"/api/destinations/{id}");
    }

    public async Task<JsonElement> GetAsync(string path) => await Admin.GetFromJsonAsync<JsonElement>(path);

    /// <summary>The deliveries of one message to a destination (one per mapping for http destinations).</summary>
    public async Task<List<JsonElement>> DeliveriesAsync(Guid id, string messageId) =>
        [.. (await GetAsync($"/api/destinations/{id}/deliveries?messageId={Uri.EscapeDataString(messageId)}")).GetProperty("data").EnumerateArray()];

    /// <summary>Waits until the message's delivery reaches <paramref name="status"/>.</summary>
    public Task<JsonElement> WaitForStatusAsync(Guid id, string messageId, string status, TimeSpan? timeout = null) => Eventually.GetValueAsync(async () =>
        (await DeliveriesAsync(id, messageId)).FirstOrDefault(d => d.GetProperty("status").GetString() == status) is { ValueKind: JsonValueKind.Object } found
            ? found : (JsonElement?)null,
        timeout ?? TimeSpan.FromSeconds(30), $"message {messageId} {status}");

    public async Task<List<JsonElement>> LogAsync(Guid id, string messageId) =>
        [.. (await GetAsync($"/api/destinations/{id}/log?messageId={Uri.EscapeDataString(messageId)}")).GetProperty("data").EnumerateArray().Reverse()];

    public async Task<JsonElement> TotalsAsync(Guid id) => (await GetAsync($"/api/destinations/{id}/stats?hours=2")).GetProperty("totals");

    public static async Task TrackAsync(HttpClient tracking, object call)
    {
        using var response = await tracking.PostAsJsonAsync("/v1/track", call);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    public static async Task BatchAsync(HttpClient tracking, IEnumerable<object> calls)
    {
        using var response = await tracking.PostAsJsonAsync("/v1/batch", new { batch = calls.ToArray() });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
