using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Alle.IntegrationTests.Ingestion;

[Collection(StackCollection.Name)]
public sealed class SourcesApiTests(DistributedAppFixture app)
{
    private HttpClient TrackingClient(string writeKey)
    {
        var client = app.CreateClient("gateway");
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{writeKey}:")));
        return client;
    }

    private static object Track() => new { userId = $"user-{Guid.NewGuid():N}", @event = "Source Tested" };

    [Fact]
    public async Task The_first_party_sources_are_seeded_and_their_keys_never_shown()
    {
        var sources = await app.AdminGateway.GetFromJsonAsync<JsonElement>("/api/ingestion/sources");

        var ids = sources.EnumerateArray().Select(s => s.GetProperty("id").GetString()).ToList();
        Assert.Subset(ids.ToHashSet(), new HashSet<string?> { "portal", "mobile", "loyalty", "messaging", "audiences" });
        var portal = sources.EnumerateArray().Single(s => s.GetProperty("id").GetString() == "portal");
        Assert.True(portal.GetProperty("enabled").GetBoolean());
        Assert.Equal($"…{app.WriteKey("portal")[^4..]}", portal.GetProperty("writeKeyHint").GetString());
        Assert.DoesNotContain(app.WriteKey("portal"), sources.GetRawText());
    }

    [Fact]
    public async Task The_admin_api_requires_the_admin_key()
    {
        var anonymous = await app.Gateway.GetAsync("/api/ingestion/sources");
        var withWriteKey = await TrackingClient(app.WriteKey("portal")).GetAsync("/api/ingestion/sources");

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, withWriteKey.StatusCode);
    }

    [Fact]
    public async Task A_source_is_created_renamed_disabled_enabled_and_its_key_rotated()
    {
        var created = await app.AdminGateway.PostAsJsonAsync("/api/ingestion/sources", new { name = "Provider Kiosk", id = $"kiosk-{Guid.NewGuid():N}"[..20] });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        var id = body.GetProperty("source").GetProperty("id").GetString()!;
        var firstKey = body.GetProperty("writeKey").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await TrackingClient(firstKey).PostAsJsonAsync("/v1/track", Track())).StatusCode);

        var renamed = await app.AdminGateway.PatchAsJsonAsync($"/api/ingestion/sources/{id}", new { name = "Kiosk (lobby)" });
        Assert.Equal("Kiosk (lobby)", (await renamed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("name").GetString());

        await app.AdminGateway.PatchAsJsonAsync($"/api/ingestion/sources/{id}", new { enabled = false });
        Assert.Equal(HttpStatusCode.Unauthorized, (await TrackingClient(firstKey).PostAsJsonAsync("/v1/track", Track())).StatusCode);
        await app.AdminGateway.PatchAsJsonAsync($"/api/ingestion/sources/{id}", new { enabled = true });
        Assert.Equal(HttpStatusCode.OK, (await TrackingClient(firstKey).PostAsJsonAsync("/v1/track", Track())).StatusCode);

        var rotated = await app.AdminGateway.PostAsync($"/api/ingestion/sources/{id}/rotate-key", null);
        var secondKey = (await rotated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("writeKey").GetString()!;
        Assert.NotEqual(firstKey, secondKey);
        Assert.Equal(HttpStatusCode.Unauthorized, (await TrackingClient(firstKey).PostAsJsonAsync("/v1/track", Track())).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await TrackingClient(secondKey).PostAsJsonAsync("/v1/track", Track())).StatusCode);

        var source = await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/ingestion/sources/{id}");
        Assert.Equal(JsonValueKind.String, source.GetProperty("keyRotatedAt").ValueKind);
    }

    [Fact]
    public async Task A_source_reports_its_events_per_hour_and_the_last_event_seen_counting_retries_once()
    {
        var created = await app.AdminGateway.PostAsJsonAsync("/api/ingestion/sources", new { name = "Volume probe", id = $"volume-{Guid.NewGuid():N}"[..20] });
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        var id = body.GetProperty("source").GetProperty("id").GetString()!;
        var client = TrackingClient(body.GetProperty("writeKey").GetString()!);

        var fresh = await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/ingestion/sources/{id}/volume");
        Assert.Equal(24, fresh.GetProperty("hours").GetArrayLength());
        Assert.All(fresh.GetProperty("hours").EnumerateArray(), hour => Assert.Equal(0, hour.GetProperty("events").GetInt64()));
        Assert.Equal(JsonValueKind.Null, fresh.GetProperty("lastEvent").ValueKind);

        var batch = new
        {
            batch = new object[]
            {
                new { type = "track", userId = "volume-user", @event = "Volume Counted", messageId = $"v1-{id}" },
                new { type = "track", userId = "volume-user", @event = "Volume Counted", messageId = $"v2-{id}" },
                new { type = "page", userId = "volume-user", name = "Volume Page", messageId = $"v3-{id}" },
            },
        };
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/v1/batch", batch)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/v1/batch", batch)).StatusCode); // a retry: stored once, counted once
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/v1/track", new { userId = "volume-user" })).StatusCode); // rejected: no event name

        var volume = await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/ingestion/sources/{id}/volume?hours=3");
        var hours = volume.GetProperty("hours").EnumerateArray().ToList();
        Assert.Equal(3, hours.Count);
        Assert.Equal(3, hours.Sum(hour => hour.GetProperty("events").GetInt64()));
        Assert.Equal(hours[^1].GetProperty("events").GetInt64(), volume.GetProperty("lastHour").GetInt64());
        Assert.True(hours[0].GetProperty("hour").GetDateTimeOffset() < hours[2].GetProperty("hour").GetDateTimeOffset());
        var last = volume.GetProperty("lastEvent");
        Assert.Equal("page", last.GetProperty("type").GetString());
        Assert.Equal("Volume Page", last.GetProperty("name").GetString());
        Assert.True(DateTimeOffset.UtcNow - last.GetProperty("receivedAt").GetDateTimeOffset() < TimeSpan.FromMinutes(5));

        var tooMany = await app.AdminGateway.GetAsync($"/api/ingestion/sources/{id}/volume?hours=1000");
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        Assert.Equal("application/problem+json", tooMany.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, (await app.AdminGateway.GetAsync("/api/ingestion/sources/no-such-source/volume")).StatusCode);
    }

    [Fact]
    public async Task Bad_source_requests_get_problems_and_change_nothing()
    {
        var id = $"dup-{Guid.NewGuid():N}"[..16];
        Assert.Equal(HttpStatusCode.Created, (await app.AdminGateway.PostAsJsonAsync("/api/ingestion/sources", new { name = "Dup", id })).StatusCode);

        var duplicate = await app.AdminGateway.PostAsJsonAsync("/api/ingestion/sources", new { name = "Dup again", id });
        var invalid = await app.AdminGateway.PostAsJsonAsync("/api/ingestion/sources", new { name = "", id = "Bad Id" });
        var unknown = await app.AdminGateway.PatchAsJsonAsync("/api/ingestion/sources/no-such-source", new { name = "x" });
        var rotateUnknown = await app.AdminGateway.PostAsync("/api/ingestion/sources/no-such-source/rotate-key", null);
        var malformed = await app.AdminGateway.PostAsync("/api/ingestion/sources", new StringContent("{\"name\":", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        var errors = (await invalid.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("name", out _));
        Assert.True(errors.TryGetProperty("id", out _));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, rotateUnknown.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal("application/problem+json", malformed.Content.Headers.ContentType?.MediaType);
        var source = await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/ingestion/sources/{id}");
        Assert.Equal("Dup", source.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Text_postgresql_cannot_hold_is_refused_every_time_and_leaves_the_connections_sound()
    {
        var id = $"nul-{Guid.NewGuid():N}"[..16];
        var created = await app.AdminGateway.PostAsJsonAsync("/api/ingestion/sources", new { name = "Refused text", id });
        var writeKey = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("writeKey").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await TrackingClient(writeKey).PostAsJsonAsync("/v1/batch", new
        {
            batch = new object[] { new { type = "track", messageId = Guid.NewGuid().ToString(), userId = "refused-text" } },
        })).StatusCode);

        // A NUL in the filter reaches PostgreSQL, which refuses it. With Npgsql's automatic preparation on, a statement
        // refused on the use that prepared it left its pooled connection out of step: that statement's next use which
        // returned rows failed ("Received unexpected backend message DataRow"). Refused often enough that every pooled
        // connection sees it; then the same statement, answering a row each time.
        var refused = new List<HttpStatusCode>();
        for (var i = 0; i < 60; i++)
        {
            refused.Add((await app.AdminGateway.GetAsync($"/api/ingestion/sources/{id}/rejected?reason=bad%00reason")).StatusCode);
        }
        var answered = new List<HttpStatusCode>();
        for (var i = 0; i < 60; i++)
        {
            answered.Add((await app.AdminGateway.GetAsync($"/api/ingestion/sources/{id}/rejected?reason=track%20without%20event")).StatusCode);
        }

        Assert.All(refused, status => Assert.Equal(HttpStatusCode.BadRequest, status));
        Assert.All(answered, status => Assert.Equal(HttpStatusCode.OK, status));
        var report = await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/ingestion/sources/{id}/rejected?reason=track%20without%20event");
        Assert.Equal("track without event", Assert.Single(report.GetProperty("recent").EnumerateArray()).GetProperty("reason").GetString());
    }

    [Fact]
    public async Task A_source_over_its_rate_limit_gets_429_with_retry_after()
    {
        var created = await app.AdminGateway.PostAsJsonAsync("/api/ingestion/sources", new { name = $"Limited {Guid.NewGuid():N}", rateLimitPerSecond = 5 });
        var writeKey = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("writeKey").GetString()!;
        var tracking = TrackingClient(writeKey);

        HttpResponseMessage? limited = null;
        for (var i = 0; i < 20 && limited is null; i++)
        {
            var response = await tracking.PostAsJsonAsync("/v1/track", Track());
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited = response;
            }
            else
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
        }

        Assert.NotNull(limited);
        var retryAfter = int.Parse(limited.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 2);
        await TrackingApiTests.AssertProblemAsync(limited, HttpStatusCode.TooManyRequests, "Rate limit exceeded", null);
    }
}
