using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;

namespace Alle.IntegrationTests.Profiles;

/// <summary>Regulations (delete and suppress), their progress across services, and the personal data export.</summary>
[Collection(StackCollection.Name)]
public sealed class PrivacyTests(DistributedAppFixture app) : IAsyncLifetime
{
    private const string Profiles = "/api/profiles/v1/spaces/default/collections/users/profiles";
    private EventBusProbe _bus = null!;

    public async Task InitializeAsync() => _bus = await EventBusProbe.ConnectAsync(app, "ProfileUpdated", "ProfileDeleted", "SubjectsSuppressed");

    public async Task DisposeAsync() => await _bus.DisposeAsync();

    [Fact]
    public async Task Suppress_with_delete_by_phone_removes_the_person_here_waits_for_every_service_and_drops_later_events()
    {
        var userId = $"erase-{Guid.NewGuid():N}";
        var phone = IdentityResolutionTests.NewPhone();
        var email = $"{userId}@example.com";
        var device = $"device-{userId}";
        var browsing = Events.Track(null, "Provider Searched", anonymousId: device);
        var joined = Events.Identify(userId, new { phone, email, name = "Erase Me" }, anonymousId: device);
        await _bus.PublishEventsAsync(browsing, Events.Group(userId, $"clinic-{userId}"), joined);
        var profileId = (await UpdateForAsync(joined)).GetProperty("profileId").GetString();

        var regulationId = await CreateRegulationAsync("SUPPRESS_WITH_DELETE", "PHONE", [$"({phone[2..5]}) {phone[5..8]}-{phone[8..]}"]);

        var running = await Eventually.GetValueAsync(async () =>
        {
            var regulation = await RegulationAsync(regulationId);
            return Status(regulation, "profiles") == "FINISHED" ? regulation : (JsonElement?)null;
        }, TimeSpan.FromSeconds(20), "the deletion done here");
        Assert.Equal(1, running.GetProperty("profilesDeleted").GetInt32());

        var deleted = await _bus.WaitForAsync("ProfileDeleted", m => m.GetProperty("regulationId").GetString() == regulationId, "ProfileDeleted");
        Assert.Equal(profileId, deleted.GetProperty("profileId").GetString());
        var identifiers = deleted.GetProperty("identifiers").EnumerateArray().Select(i => (i.GetProperty("type").GetString(), i.GetProperty("value").GetString())).ToList();
        Assert.Contains(("phone", phone), identifiers);
        Assert.Contains(("email", email), identifiers);
        Assert.Contains(("user_id", userId), identifiers);
        var suppressed = await _bus.WaitForAsync("SubjectsSuppressed", m => m.GetProperty("regulationId").GetString() == regulationId, "SubjectsSuppressed");
        Assert.True(suppressed.GetProperty("suppressed").GetBoolean());
        Assert.Contains(suppressed.GetProperty("subjects").EnumerateArray(), s => s.GetProperty("value").GetString() == phone);

        using var gone = await app.AdminGateway.GetAsync($"{Profiles}/user_id:{userId}/traits");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        // Nothing of the person remains here but the suppression list that keeps her out (the outbox empties once published).
        // The regulation's own bookkeeping keeps the (random) profile id to track the services' reports, nothing else.
        await Eventually.TrueAsync(async () => (await RowsMentioningAsync([userId, phone, email, device], except: "suppressions")).Count == 0
            && (await RowsMentioningAsync([profileId!], except: "suppressions")).All(table => table.StartsWith("regulation_", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(20), "no row mentioning the person");

        // Every service that holds personal data (warehouse, audiences, messaging, loyalty, destinations) reports its own deletion;
        // the last report finishes the regulation.
        var finished = await Eventually.GetValueAsync(async () =>
            await RegulationAsync(regulationId) is var r && r.GetProperty("overallStatus").GetString() == "FINISHED" ? r : (JsonElement?)null,
            TimeSpan.FromSeconds(20), "the regulation FINISHED");
        Assert.Equal(JsonValueKind.String, finished.GetProperty("finishedAt").ValueKind);

        // An event for the same phone that is still in flight is dropped here too.
        var late = Events.Track($"new-{userId}", "Offer Viewed", context: Events.PhoneContext(phone));
        var marker = Events.Track($"marker-{userId}", "Marker");
        await _bus.PublishEventsAsync(late, marker);
        await UpdateForAsync(marker);
        Assert.Empty(_bus.Received("ProfileUpdated", u => u.GetProperty("trigger").GetProperty("messageId").GetString() == Events.MessageId(late)));
        using var stillGone = await app.AdminGateway.GetAsync($"/api/profiles/lookup?phone={Uri.EscapeDataString(phone)}");
        Assert.Equal(HttpStatusCode.NotFound, stillGone.StatusCode);
    }

    [Fact]
    public async Task Unsuppress_lets_a_suppressed_subject_back_in()
    {
        var userId = $"unsuppress-{Guid.NewGuid():N}";
        var suppress = await CreateRegulationAsync("SUPPRESS_ONLY", "USER_ID", [userId]);
        await Eventually.TrueAsync(async () => (await RegulationAsync(suppress)).GetProperty("overallStatus").GetString() == "FINISHED", TimeSpan.FromSeconds(20), "suppression");
        var dropped = Events.Identify(userId, new { name = "Hidden" });
        var marker = Events.Track($"marker-{userId}", "Marker");
        await _bus.PublishEventsAsync(dropped, marker);
        await UpdateForAsync(marker);
        Assert.Empty(_bus.Received("ProfileUpdated", u => u.GetProperty("trigger").GetProperty("messageId").GetString() == Events.MessageId(dropped)));

        var unsuppress = await CreateRegulationAsync("UNSUPPRESS", "USER_ID", [userId]);
        var lifted = await _bus.WaitForAsync("SubjectsSuppressed", m => m.GetProperty("regulationId").GetString() == unsuppress, "the unsuppression");
        Assert.False(lifted.GetProperty("suppressed").GetBoolean());
        Assert.Equal(userId, Assert.Single(lifted.GetProperty("subjects").EnumerateArray()).GetProperty("value").GetString());

        var welcome = Events.Identify(userId, new { name = "Back" });
        await _bus.PublishEventsAsync(welcome);
        await UpdateForAsync(welcome);
    }

    [Fact]
    public async Task Malformed_regulations_are_refused_without_echoing_personal_data()
    {
        foreach (var body in new object[]
        {
            new { regulationType = "FORGET_ME", subjectType = "USER_ID", subjectIds = new[] { "u1" } },
            new { regulationType = "DELETE_ONLY", subjectType = "SSN", subjectIds = new[] { "u1" } },
            new { regulationType = "DELETE_ONLY", subjectType = "USER_ID", subjectIds = Array.Empty<string>() },
            new { regulationType = "DELETE_ONLY", subjectType = "USER_ID", subjectIds = Enumerable.Range(0, 5001).Select(i => $"u{i}").ToArray() },
            new { regulationType = "DELETE_ONLY", subjectType = "PHONE", subjectIds = new[] { "+15555550100", "secret-not-a-phone" } },
        })
        {
            using var response = await app.AdminGateway.PostAsJsonAsync("/api/profiles/regulations", body);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.DoesNotContain("secret-not-a-phone", await response.Content.ReadAsStringAsync());
        }
        using var malformed = await app.AdminGateway.PostAsync("/api/profiles/regulations", new StringContent("{", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        using var unknown = await app.AdminGateway.GetAsync("/api/profiles/regulations/nope");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using var anonymous = await app.Gateway.PostAsJsonAsync("/api/profiles/regulations", new { regulationType = "DELETE_ONLY", subjectType = "USER_ID", subjectIds = new[] { "u1" } });
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task The_export_holds_everything_about_the_person_and_a_member_can_download_her_own()
    {
        var userId = $"export-{Guid.NewGuid():N}";
        var identify = Events.Identify(userId, new { name = "Export", phone = IdentityResolutionTests.NewPhone() });
        var track = Events.Track(userId, "Offer Viewed", new { offerId = "o-1" });
        await _bus.PublishEventsAsync(identify, track);
        await UpdateForAsync(track);

        var export = await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/profiles/export?userId={userId}");
        Assert.Equal(userId, export.GetProperty("userId").GetString());
        Assert.Equal("Export", export.GetProperty("traits").GetProperty("name").GetProperty("value").GetString());
        Assert.Equal(2, export.GetProperty("identifiers").GetArrayLength());
        Assert.Equal([Events.MessageId(identify), Events.MessageId(track)], export.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("message_id").GetString()));

        using var member = app.CreateClient("gateway");
        member.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", MemberToken(userId));
        var own = await member.GetFromJsonAsync<JsonElement>("/api/profiles/me/export");
        Assert.Equal(export.GetProperty("profileId").GetString(), own.GetProperty("profileId").GetString());
        using var notAdmin = await member.GetAsync($"/api/profiles/export?userId={userId}");
        Assert.Equal(HttpStatusCode.Unauthorized, notAdmin.StatusCode);
    }

    /// <summary>A member token as the portal issues it (<c>mt1.{base64url(member|expiry)}.{base64url(HMAC-SHA256)}</c>).</summary>
    private string MemberToken(string memberId)
    {
        static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var payload = Base64Url(System.Text.Encoding.UTF8.GetBytes($"{memberId}|{DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds()}"));
        var key = System.Text.Encoding.UTF8.GetBytes(app.Parameter("member-token-key"));
        return $"mt1.{payload}.{Base64Url(System.Security.Cryptography.HMACSHA256.HashData(key, System.Text.Encoding.UTF8.GetBytes(payload)))}";
    }

    private async Task<string> CreateRegulationAsync(string type, string subjectType, string[] subjects)
    {
        using var response = await app.AdminGateway.PostAsJsonAsync("/api/profiles/regulations", new { regulationType = type, subjectType, subjectIds = subjects });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("data").GetProperty("regulateId").GetString()!;
    }

    private async Task<JsonElement> RegulationAsync(string id) =>
        (await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/profiles/regulations/{id}")).GetProperty("data").GetProperty("regulation");

    private static string? Status(JsonElement regulation, string service) => regulation.GetProperty("serviceStatus").EnumerateArray()
        .Where(s => s.GetProperty("service").GetString() == service).Select(s => s.GetProperty("status").GetString()).SingleOrDefault();

    private Task<JsonElement> UpdateForAsync(object trackedEvent) =>
        _bus.WaitForAsync("ProfileUpdated", u => u.GetProperty("trigger").ValueKind == JsonValueKind.Object
            && u.GetProperty("trigger").GetProperty("messageId").GetString() == Events.MessageId(trackedEvent), $"ProfileUpdated for {Events.MessageId(trackedEvent)}");

    /// <summary>Every table of profilesdb (but <paramref name="except"/>), searched as text for any of the values.</summary>
    private async Task<List<string>> RowsMentioningAsync(string[] values, string except)
    {
        await using var dataSource = NpgsqlDataSource.Create(app.ConnectionString("profilesdb"));
        var tables = new List<string>();
        await using (var list = dataSource.CreateCommand("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> $1"))
        {
            list.Parameters.AddWithValue(except);
            await using var reader = await list.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }
        Assert.Contains("events", tables);
        var found = new List<string>();
        foreach (var table in tables)
        {
            await using var search = dataSource.CreateCommand($"SELECT count(*) FROM \"{table}\" t WHERE EXISTS (SELECT 1 FROM unnest($1::text[]) v WHERE strpos(t::text, v) > 0)");
            search.Parameters.AddWithValue(values);
            if ((long)(await search.ExecuteScalarAsync())! > 0)
            {
                found.Add(table);
            }
        }
        return found;
    }
}
