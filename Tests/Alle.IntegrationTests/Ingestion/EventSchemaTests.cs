using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Alle.IntegrationTests.Ingestion;

/// <summary>The event schema collected from what a source sends, read through the gateway.</summary>
[Collection(StackCollection.Name)]
public sealed class EventSchemaTests(DistributedAppFixture app)
{
    [Fact]
    public async Task A_source_s_events_are_listed_with_their_properties_json_types_and_counts()
    {
        var created = await app.AdminGateway.PostAsJsonAsync("/api/ingestion/sources", new { name = "Schema kiosk", id = $"schema-{Guid.NewGuid():N}"[..20] });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        var sourceId = body.GetProperty("source").GetProperty("id").GetString()!;
        using var tracking = app.CreateClient("gateway");
        tracking.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{body.GetProperty("writeKey").GetString()}:")));
        var userId = $"schema-{Guid.NewGuid():N}";

        var sent = await tracking.PostAsJsonAsync("/v1/batch", new
        {
            batch = new object[]
            {
                new { type = "track", userId, @event = "Kiosk Searched", properties = new { zip = "10001", radius = 5, open = true, provider = new { city = "Austin" } } },
                new { type = "track", userId, @event = "Kiosk Searched", properties = new { zip = 10002 } },
                new { type = "identify", userId, traits = new { plan = "gold" } },
                new { type = "page", userId, name = "Home", properties = new { path = "/" } },
            },
        });
        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);

        var searched = await Eventually.GetValueAsync(async () =>
        {
            var schema = await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/ingestion/schema?sourceId={sourceId}");
            return schema.GetProperty("sources").EnumerateArray().SelectMany(source => source.GetProperty("events").EnumerateArray())
                .Where(e => e.GetProperty("event").ValueKind == JsonValueKind.String && e.GetProperty("event").GetString() == "Kiosk Searched")
                .Select(e => (JsonElement?)e).FirstOrDefault();
        }, TimeSpan.FromSeconds(60), "the event in the schema");

        Assert.Equal(2, searched.GetProperty("count").GetInt64());
        var properties = searched.GetProperty("properties").EnumerateArray()
            .ToDictionary(p => p.GetProperty("name").GetString()!, p => p.GetProperty("types").EnumerateArray().Select(t => t.GetString()).ToList());
        Assert.Equal(["number", "string"], properties["zip"]);
        Assert.Equal(["number"], properties["radius"]);
        Assert.Equal(["boolean"], properties["open"]);
        Assert.Equal(["object"], properties["provider"]);
        Assert.Equal(["string"], properties["provider.city"]);

        var all = await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/ingestion/schema?sourceId={sourceId}");
        var types = all.GetProperty("sources")[0].GetProperty("events").EnumerateArray().Select(e => e.GetProperty("type").GetString()).Order().ToList();
        Assert.Equal(["identify", "page", "track"], types);
    }

    [Fact]
    public async Task An_unknown_source_is_a_404_problem()
    {
        var response = await app.AdminGateway.GetAsync("/api/ingestion/schema?sourceId=no-such-source");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
