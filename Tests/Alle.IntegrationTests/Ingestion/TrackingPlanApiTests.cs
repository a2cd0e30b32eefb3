using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Alle.IntegrationTests.Ingestion;

[Collection(StackCollection.Name)]
public sealed class TrackingPlanApiTests(DistributedAppFixture app)
{
    private readonly WarehouseQueries _warehouse = new(app);

    private async Task<(string Id, HttpClient Tracking)> CreateSourceWithPlanAsync(string unplannedEvents, string violations)
    {
        var created = await app.AdminGateway.PostAsJsonAsync("/api/ingestion/sources", new { name = $"Planned {Guid.NewGuid():N}" });
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        var id = body.GetProperty("source").GetProperty("id").GetString()!;
        var tracking = app.CreateClient("gateway");
        tracking.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{body.GetProperty("writeKey").GetString()}:")));

        var saved = await app.AdminGateway.PutAsJsonAsync($"/api/ingestion/sources/{id}/tracking-plan", new
        {
            events = new[]
            {
                new
                {
                    name = "Provider Searched",
                    description = "A member searched for providers near a zip code.",
                    properties = new { type = "object", required = new[] { "zip" }, properties = new { zip = new { type = "string", pattern = "^[0-9]{5}$" } } },
                },
            },
            identifyTraits = new { type = "object", properties = new { tier = new { @enum = new[] { "silver", "gold", "platinum" } } } },
            unplannedEvents,
            violations,
        });
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        return (id, tracking);
    }

    private static object Batch(string userId, params (string Id, string Event, object Properties)[] tracks) => new
    {
        batch = tracks.Select(t => new { type = "track", messageId = t.Id, userId, @event = t.Event, properties = t.Properties }),
    };

    [Fact]
    public async Task Block_mode_keeps_violating_and_unplanned_events_aside_and_forwards_the_rest()
    {
        var (id, tracking) = await CreateSourceWithPlanAsync("block", "block");
        var userId = $"user-{Guid.NewGuid():N}";
        string good = Guid.NewGuid().ToString(), bad = Guid.NewGuid().ToString(), unplanned = Guid.NewGuid().ToString();

        var response = await tracking.PostAsJsonAsync("/v1/batch", Batch(userId,
            (good, "Provider Searched", new { zip = "10001" }),
            (bad, "Provider Searched", new { zip = "NYC" }),
            (unplanned, "Coupon Shared", new { })));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await _warehouse.EventuallyRowAsync("SELECT * FROM tracks WHERE id = $1", good);
        var violations = await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/ingestion/sources/{id}/violations");
        var byEvent = violations.EnumerateArray().ToDictionary(v => v.GetProperty("event").GetString()!);
        Assert.Equal(1, byEvent["Provider Searched"].GetProperty("blocked").GetInt64());
        Assert.Equal(1, byEvent["Coupon Shared"].GetProperty("count").GetInt64());
        var example = byEvent["Provider Searched"].GetProperty("examples")[0];
        Assert.Equal(bad, example.GetProperty("messageId").GetString());
        Assert.Contains("zip", example.GetProperty("errors")[0].GetString());
        Assert.Equal("NYC", example.GetProperty("payload").GetProperty("properties").GetProperty("zip").GetString());
        Assert.Equal(0, await _warehouse.CountAsync("SELECT count(*) FROM tracks WHERE id = ANY($1)", (object)new[] { bad, unplanned }));
    }

    [Fact]
    public async Task Flag_mode_forwards_violations_and_records_them_and_allow_records_nothing()
    {
        var (id, tracking) = await CreateSourceWithPlanAsync("allow", "flag");
        var userId = $"user-{Guid.NewGuid():N}";
        string bad = Guid.NewGuid().ToString(), unplanned = Guid.NewGuid().ToString(), identify = Guid.NewGuid().ToString();

        await tracking.PostAsJsonAsync("/v1/batch", Batch(userId, (bad, "Provider Searched", new { radius = 5 }), (unplanned, "Coupon Shared", new { })));
        await tracking.PostAsJsonAsync("/v1/identify", new { messageId = identify, userId, traits = new { tier = "bronze" } });

        await _warehouse.EventuallyRowAsync("SELECT * FROM tracks WHERE id = $1", bad);
        await _warehouse.EventuallyRowAsync("SELECT * FROM tracks WHERE id = $1", unplanned);
        await _warehouse.EventuallyRowAsync("SELECT * FROM identifies WHERE id = $1", identify);
        var searched = await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/ingestion/sources/{id}/violations/Provider Searched");
        Assert.Equal(1, searched.GetProperty("count").GetInt64());
        Assert.Equal(0, searched.GetProperty("blocked").GetInt64());
        Assert.Equal("flag", searched.GetProperty("examples")[0].GetProperty("action").GetString());
        var traits = await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/ingestion/sources/{id}/violations/identify");
        Assert.Equal(1, traits.GetProperty("count").GetInt64());
        Assert.Equal(HttpStatusCode.NotFound, (await app.AdminGateway.GetAsync($"/api/ingestion/sources/{id}/violations/Coupon Shared")).StatusCode);
    }

    [Fact]
    public async Task A_plan_is_validated_on_save_read_back_and_deleted()
    {
        var (id, _) = await CreateSourceWithPlanAsync("flag", "allow");

        var invalid = await app.AdminGateway.PutAsJsonAsync($"/api/ingestion/sources/{id}/tracking-plan", new
        {
            events = new object[] { new { name = "A", properties = new[] { 1 } }, new { name = "" } },
            unplannedEvents = "drop",
        });
        var stored = await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/ingestion/sources/{id}/tracking-plan");
        var deleted = await app.AdminGateway.DeleteAsync($"/api/ingestion/sources/{id}/tracking-plan");
        var gone = await app.AdminGateway.GetAsync($"/api/ingestion/sources/{id}/tracking-plan");

        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        var errors = (await invalid.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("events[0].properties", out _));
        Assert.True(errors.TryGetProperty("events[1].name", out _));
        Assert.True(errors.TryGetProperty("unplannedEvents", out _));
        Assert.Equal("flag", stored.GetProperty("unplannedEvents").GetString());
        Assert.Equal("Provider Searched", stored.GetProperty("events")[0].GetProperty("name").GetString());
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }
}
