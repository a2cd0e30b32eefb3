using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Alle.IntegrationTests.Ingestion;

[Collection(StackCollection.Name)]
public sealed class TrackingApiTests(DistributedAppFixture app)
{
    private readonly WarehouseQueries _warehouse = new(app);

    private static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    [Fact]
    public async Task Every_call_type_reaches_its_warehouse_table_through_the_gateway()
    {
        var tracking = app.CreateTrackingClient("portal");
        var userId = NewId("user");
        var ids = Enumerable.Range(0, 6).Select(_ => Guid.NewGuid().ToString()).ToArray();

        var calls = new (string Path, object Body)[]
        {
            ("/v1/identify", new { messageId = ids[0], userId, traits = new { email = "Member@Example.com", tier = "gold" } }),
            ("/v1/track", new { messageId = ids[1], userId, @event = "Provider Searched", properties = new { zip = "10001" } }),
            ("/v1/page", new { messageId = ids[2], userId, name = "Find a provider", properties = new { path = "/providers", url = "https://alle.example/providers" } }),
            ("/v1/screen", new { messageId = ids[3], userId, name = "Wallet", properties = new { tab = "offers" } }),
            ("/v1/group", new { messageId = ids[4], userId, groupId = "clinic-7", traits = new { name = "Clinic 7" } }),
            ("/v1/alias", new { messageId = ids[5], userId, previousId = "anon-" + userId }),
        };
        foreach (var (path, body) in calls)
        {
            var response = await tracking.PostAsJsonAsync(path, body);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("success").GetBoolean());
        }

        var track = await _warehouse.EventuallyRowAsync("SELECT * FROM tracks WHERE id = $1", ids[1]);
        Assert.Equal("provider_searched", track["event"]);
        Assert.Equal("Provider Searched", track["event_text"]);
        Assert.Equal("portal", track["source_id"]);
        Assert.Equal("127.0.0.1", track["context_ip"]);
        Assert.Equal("10001", JsonDocument.Parse((string)track["properties"]!).RootElement.GetProperty("zip").GetString());
        Assert.NotNull(track["received_at"]);

        var identify = await _warehouse.EventuallyRowAsync("SELECT * FROM identifies WHERE id = $1", ids[0]);
        Assert.Equal(userId, identify["user_id"]);
        Assert.Contains("email:member@example.com", (string[])identify["subject_identifiers"]!);
        var page = await _warehouse.EventuallyRowAsync("SELECT * FROM pages WHERE id = $1", ids[2]);
        Assert.Equal("/providers", page["path"]);
        Assert.Equal("Find a provider", page["name"]);
        Assert.Equal("Wallet", (await _warehouse.EventuallyRowAsync("SELECT * FROM screens WHERE id = $1", ids[3]))["name"]);
        Assert.Equal("clinic-7", (await _warehouse.EventuallyRowAsync("SELECT * FROM groups WHERE id = $1", ids[4]))["group_id"]);
        Assert.Equal("anon-" + userId, (await _warehouse.EventuallyRowAsync("SELECT * FROM aliases WHERE id = $1", ids[5]))["previous_id"]);
        var user = await _warehouse.EventuallyRowAsync("SELECT * FROM users WHERE id = $1", userId);
        Assert.Equal("gold", JsonDocument.Parse((string)user["traits"]!).RootElement.GetProperty("tier").GetString());
    }

    [Fact]
    public async Task A_batch_forwards_its_valid_events_and_records_the_invalid_ones_with_their_reason()
    {
        var source = await CreateSourceAsync();
        var userId = NewId("user");
        var valid = Guid.NewGuid().ToString();
        var tracking = TrackingClient(source.WriteKey);

        var response = await tracking.PostAsJsonAsync("/v1/batch", new
        {
            batch = new object[]
            {
                new { type = "track", messageId = valid, userId, @event = "Offer Viewed" },
                new { type = "track", messageId = Guid.NewGuid().ToString(), @event = "Nobody" },
                new { type = "track", messageId = Guid.NewGuid().ToString(), userId },
                new { type = "alias", messageId = Guid.NewGuid().ToString(), userId },
                new { type = "track", messageId = new string('x', 101), userId, @event = "Long" },
            },
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await _warehouse.EventuallyRowAsync("SELECT * FROM tracks WHERE id = $1", valid);
        var report = await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/ingestion/sources/{source.Id}/rejected");
        Assert.Equal(4, report.GetProperty("total").GetInt64());
        var reasons = report.GetProperty("byReason").EnumerateArray().ToDictionary(r => r.GetProperty("reason").GetString()!, r => r.GetProperty("count").GetInt64());
        Assert.Equal(1, reasons["missing userId and anonymousId"]);
        Assert.Equal(1, reasons["track without event"]);
        Assert.Equal(1, reasons["alias without previousId"]);
        Assert.Equal(1, reasons["messageId over 100 characters"]);
        Assert.Equal(1, await _warehouse.CountAsync("SELECT count(*) FROM tracks WHERE user_id = $1", userId));
    }

    [Fact]
    public async Task A_retried_message_is_stored_once()
    {
        var tracking = app.CreateTrackingClient("mobile");
        var messageId = Guid.NewGuid().ToString();
        var userId = NewId("user");

        for (var attempt = 0; attempt < 3; attempt++)
        {
            var response = await tracking.PostAsJsonAsync("/v1/batch", new { batch = new[] { new { type = "track", messageId, userId, @event = "Coupon Redeemed" } } });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        var marker = Guid.NewGuid().ToString();
        await tracking.PostAsJsonAsync("/v1/track", new { messageId = marker, userId, @event = "Marker" });

        await _warehouse.EventuallyRowAsync("SELECT * FROM tracks WHERE id = $1", marker);
        Assert.Equal(1, await _warehouse.CountAsync("SELECT count(*) FROM tracks WHERE id = $1", messageId));
    }

    [Fact]
    public async Task Analytics_csharp_posts_gzip_batches_to_v1_b_with_the_write_key_in_the_body()
    {
        var messageId = Guid.NewGuid().ToString();
        var deviceNow = DateTimeOffset.UtcNow.AddMinutes(10);
        var json = JsonSerializer.SerializeToUtf8Bytes(new
        {
            writeKey = app.WriteKey("mobile"),
            sentAt = deviceNow,
            batch = new[] { new { type = "screen", messageId, anonymousId = NewId("anon"), name = "Home", timestamp = deviceNow.AddSeconds(-2) } },
        });
        using var compressed = new MemoryStream();
        await using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            await gzip.WriteAsync(json);
        }
        var content = new ByteArrayContent(compressed.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        content.Headers.ContentEncoding.Add("gzip");

        var response = await app.Gateway.PostAsync("/v1/b", content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var screen = await _warehouse.EventuallyRowAsync("SELECT * FROM screens WHERE id = $1", messageId);
        // The device clock ran 10 minutes fast: the stored timestamp is corrected to about two seconds before arrival.
        var skew = (DateTime)screen["received_at"]! - (DateTime)screen["timestamp"]!;
        Assert.InRange(skew, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(2.5));
        Assert.InRange((DateTime)screen["sent_at"]! - (DateTime)screen["original_timestamp"]!, TimeSpan.FromSeconds(1.999), TimeSpan.FromSeconds(2.001));
    }

    [Fact]
    public async Task Analytics_js_posts_single_calls_as_text_to_one_letter_paths_with_the_write_key_in_the_body()
    {
        var messageId = Guid.NewGuid().ToString();
        var body = JsonSerializer.Serialize(new
        {
            writeKey = app.WriteKey("portal"),
            type = "page",
            messageId,
            anonymousId = NewId("anon"),
            properties = new { path = "/offers", title = "Offers" },
            context = new { page = new { path = "/offers", url = "https://alle.example/offers" }, userAgent = "Mozilla/5.0" },
            sentAt = DateTimeOffset.UtcNow,
        });

        var response = await app.Gateway.PostAsync("/v1/p", new StringContent(body, Encoding.UTF8, "text/plain"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = await _warehouse.EventuallyRowAsync("SELECT * FROM pages WHERE id = $1", messageId);
        Assert.Equal("/offers", page["context_page_path"]);
        Assert.Equal("Mozilla/5.0", page["context_user_agent"]);
        Assert.Equal("Offers", page["title"]);
    }

    [Fact]
    public async Task The_import_endpoint_accepts_batches_too()
    {
        var messageId = Guid.NewGuid().ToString();
        var response = await app.CreateTrackingClient("loyalty").PostAsJsonAsync("/v1/import",
            new { batch = new[] { new { type = "track", messageId, userId = NewId("user"), @event = "Points Earned", timestamp = "2024-05-01T10:00:00Z" } } });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var track = await _warehouse.EventuallyRowAsync("SELECT * FROM tracks WHERE id = $1", messageId);
        Assert.Equal(new DateTime(2024, 5, 1, 10, 0, 0, DateTimeKind.Utc), (DateTime)track["timestamp"]!);
    }

    [Theory]
    [InlineData("/v1/track", "{\"userId\":\"u\",", "Malformed JSON", null)]
    [InlineData("/v1/batch", "{\"batch\":\"no\"}", "Malformed JSON", null)]
    public async Task Malformed_json_is_refused_with_400_and_nothing_is_stored(string path, string body, string title, string? limit)
    {
        var response = await app.CreateTrackingClient("portal").PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, title, limit);
    }

    [Fact]
    public async Task Size_limits_are_refused_with_400_naming_the_limit()
    {
        var tracking = app.CreateTrackingClient("portal");
        var userId = NewId("user");
        var blob = new string('x', 33 * 1024);

        var bigEvent = await tracking.PostAsJsonAsync("/v1/track", new { userId, @event = "Big", properties = new { blob } });
        var bigBatch = await tracking.PostAsJsonAsync("/v1/batch",
            new { batch = Enumerable.Range(0, 20).Select(_ => new { type = "track", userId, @event = "Big", properties = new { blob = new string('y', 30 * 1024) } }) });
        var bigInBatch = await tracking.PostAsJsonAsync("/v1/batch", new { batch = new[] { new { type = "track", userId, @event = "Big", properties = new { blob } } } });
        var tooMany = await tracking.PostAsJsonAsync("/v1/batch", new { batch = Enumerable.Range(0, 2501).Select(_ => new { type = "track", userId, @event = "Many" }) });

        await AssertProblemAsync(bigEvent, HttpStatusCode.BadRequest, "Event too large", "32 KB per event");
        await AssertProblemAsync(bigBatch, HttpStatusCode.BadRequest, "Batch too large", "500 KB per batch");
        await AssertProblemAsync(bigInBatch, HttpStatusCode.BadRequest, "Event too large", "32 KB per event");
        await AssertProblemAsync(tooMany, HttpStatusCode.BadRequest, "Batch has too many events", "2500 events per batch");
        var marker = Guid.NewGuid().ToString();
        await tracking.PostAsJsonAsync("/v1/track", new { messageId = marker, userId, @event = "Marker" });
        await _warehouse.EventuallyRowAsync("SELECT * FROM tracks WHERE id = $1", marker);
        Assert.Equal(1, await _warehouse.CountAsync("SELECT count(*) FROM tracks WHERE user_id = $1", userId));
    }

    [Fact]
    public async Task An_unknown_write_key_gets_401_and_nothing_is_stored()
    {
        var userId = NewId("user");
        var messageId = Guid.NewGuid().ToString();

        var withHeader = await TrackingClient("not-a-key").PostAsJsonAsync("/v1/track", new { messageId, userId, @event = "E" });
        var inBody = await app.Gateway.PostAsJsonAsync("/v1/b", new { writeKey = "not-a-key", batch = new[] { new { type = "track", messageId, userId, @event = "E" } } });
        var none = await app.Gateway.PostAsJsonAsync("/v1/track", new { messageId, userId, @event = "E" });

        await AssertProblemAsync(withHeader, HttpStatusCode.Unauthorized, "Unknown write key", null);
        await AssertProblemAsync(inBody, HttpStatusCode.Unauthorized, "Unknown write key", null);
        await AssertProblemAsync(none, HttpStatusCode.Unauthorized, "Unknown write key", null);
        var marker = Guid.NewGuid().ToString();
        await app.CreateTrackingClient("portal").PostAsJsonAsync("/v1/track", new { messageId = marker, userId, @event = "Marker" });
        await _warehouse.EventuallyRowAsync("SELECT * FROM tracks WHERE id = $1", marker);
        Assert.Equal(0, await _warehouse.CountAsync("SELECT count(*) FROM tracks WHERE id = $1", messageId));
    }

    [Fact]
    public async Task The_settings_document_points_the_libraries_back_at_this_host()
    {
        var writeKey = app.WriteKey("mobile");

        var settings = await app.Gateway.GetFromJsonAsync<JsonElement>($"/v1/projects/{writeKey}/settings");
        var unknown = await app.Gateway.GetAsync("/v1/projects/nope/settings");

        var segment = settings.GetProperty("integrations").GetProperty("Segment.io");
        Assert.Equal(writeKey, segment.GetProperty("apiKey").GetString());
        Assert.Equal($"{app.Endpoint("gateway").Authority}/v1", segment.GetProperty("apiHost").GetString());
        Assert.True(settings.GetProperty("plan").GetProperty("track").GetProperty("__default").GetProperty("enabled").GetBoolean());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    private HttpClient TrackingClient(string writeKey)
    {
        var client = app.CreateClient("gateway");
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{writeKey}:")));
        return client;
    }

    private async Task<(string Id, string WriteKey)> CreateSourceAsync()
    {
        var response = await app.AdminGateway.PostAsJsonAsync("/api/ingestion/sources", new { name = NewId("Test source") });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (created.GetProperty("source").GetProperty("id").GetString()!, created.GetProperty("writeKey").GetString()!);
    }

    internal static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string title, string? limit)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(title, problem.GetProperty("title").GetString());
        if (limit is not null)
        {
            Assert.Equal(limit, problem.GetProperty("limit").GetString());
        }
    }
}
