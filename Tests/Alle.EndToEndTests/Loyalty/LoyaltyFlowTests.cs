using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;

namespace Alle.EndToEndTests.Loyalty;

/// <summary>Loyalty's facts travelling through ingestion to the member's profile, and surviving ingestion being down.</summary>
[Collection(StackCollection.Name)]
public sealed class LoyaltyFlowTests(DistributedAppFixture app)
{
    private const string Provider = "prv_back_bay_derm";

    [Fact]
    public async Task A_purchase_becomes_points_and_reaches_the_profile_as_events()
    {
        var (memberId, member) = await EnrolAsync();
        var purchaseId = $"pur-{Guid.NewGuid():N}";

        using var recorded = await ProviderDesk().PostAsJsonAsync($"/api/loyalty/providers/{Provider}/purchases", new
        {
            purchaseId, memberId, treatments = new[] { new { product = "botox-cosmetic", amount = 520m }, new { product = "kybella", amount = 1200m } },
        });
        Assert.Equal(HttpStatusCode.Created, recorded.StatusCode);
        var balance = await member.GetFromJsonAsync<JsonElement>($"/api/loyalty/members/{memberId}/points");
        Assert.Equal(400, balance.GetProperty("pending").GetInt32());

        var events = await TimelineAsync(memberId, events => Named(events, "Points Earned").Any() && Named(events, "Purchase Completed").Any()
            && events.Any(e => e.GetProperty("type").GetString() == "identify"), "Points Earned, Purchase Completed and an identify on the profile");

        var earned = Assert.Single(Named(events, "Points Earned")).GetProperty("properties");
        Assert.Equal((purchaseId, 400, "pending"), (earned.GetProperty("purchaseId").GetString(), earned.GetProperty("points").GetInt32(), earned.GetProperty("status").GetString()));
        var purchase = Assert.Single(Named(events, "Purchase Completed")).GetProperty("properties");
        Assert.Equal(1720m, purchase.GetProperty("revenue").GetDecimal());
        Assert.Single(Named(events, "Member Enrolled"));
    }

    [Fact]
    public async Task Facts_recorded_while_ingestion_is_down_arrive_once_when_it_is_back()
    {
        var (memberId, _) = await EnrolAsync();
        await TimelineAsync(memberId, events => Named(events, "Member Enrolled").Any(), "the enrolment on the profile");
        var purchaseId = $"pur-{Guid.NewGuid():N}";

        try
        {
            await app.Resources.StopAsync("ingestion");
            using var recorded = await ProviderDesk().PostAsJsonAsync($"/api/loyalty/providers/{Provider}/purchases", new
            {
                purchaseId, memberId, treatments = new[] { new { product = "natrelle", amount = 7000m } },
            });
            Assert.Equal(HttpStatusCode.Created, recorded.StatusCode);

            // The relay tried, failed, and kept the facts for a later attempt, and says so.
            await Eventually.TrueAsync(async () => await ScalarAsync(
                "SELECT count(*) FROM outbox_messages WHERE message_id = $1 AND sent_at IS NULL AND attempts > 0", $"loyalty-points-earned:{purchaseId}") == 1,
                TimeSpan.FromSeconds(30), "a failed attempt to send Points Earned");
            await Eventually.TrueAsync(async () =>
            {
                var outbox = await app.AdminGateway.GetFromJsonAsync<JsonElement>("/api/loyalty/outbox");
                return outbox.GetProperty("failing").GetInt64() > 0 && outbox.GetProperty("lastError").GetString()!.StartsWith("tracking", StringComparison.Ordinal);
            }, TimeSpan.FromSeconds(30), "the outbox API to report the failing facts");

            // Her tracking calls wait for ingestion; a member enrolled meanwhile still reaches the bus (Messaging hears of her).
            var (newcomer, _) = await EnrolAsync();
            await Eventually.TrueAsync(async () => await ScalarAsync(
                "SELECT count(*) FROM outbox_messages WHERE message_id = $1 AND sent_at IS NOT NULL", $"bus-member-enrolled:{newcomer}") == 1,
                TimeSpan.FromSeconds(30), "MemberEnrolled published while ingestion is down");
            Assert.True(await ScalarAsync("SELECT count(*) FROM outbox_messages WHERE ordering_key = 'member:' || $1 AND destination = 'tracking' AND sent_at IS NULL",
                newcomer) > 0, "the newcomer's tracking calls should still be waiting");
        }
        finally
        {
            await app.Resources.StartAsync("ingestion");
            await app.Resources.WaitForHealthyAsync("ingestion", TimeSpan.FromMinutes(1));
        }

        var events = await TimelineAsync(memberId, events => Named(events, "Points Earned").Any(), "Points Earned after ingestion came back", TimeSpan.FromSeconds(60));
        Assert.Single(Named(events, "Points Earned"));
        Assert.Single(Named(events, "Purchase Completed"));
        await Eventually.TrueAsync(async () => await ScalarAsync("SELECT count(*) FROM outbox_messages WHERE ordering_key = 'member:' || $1 AND sent_at IS NULL", memberId) == 0,
            TimeSpan.FromSeconds(30), "every kept fact to be marked sent");
    }

    private async Task<(string MemberId, HttpClient Client)> EnrolAsync()
    {
        using var response = await app.AdminGateway.PostAsJsonAsync("/api/loyalty/members", new
        {
            phone = TestPhones.New("617"), firstName = "Rowan", lastName = "Ellis",
            email = $"rowan.{Guid.NewGuid():N}@example.com", zip = "02116", marketingConsent = true,
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("memberId").GetString()!, Client(body.GetProperty("token").GetString()!));
    }

    private HttpClient ProviderDesk() => Client(app.Parameter("provider-key"));

    private HttpClient Client(string credential)
    {
        var client = app.CreateClient("gateway");
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", credential);
        return client;
    }

    private Task<List<JsonElement>> TimelineAsync(string memberId, Func<List<JsonElement>, bool> until, string what, TimeSpan? timeout = null) =>
        Eventually.GetAsync(async () =>
        {
            using var response = await app.AdminGateway.GetAsync($"/api/profiles/v1/spaces/default/collections/users/profiles/user_id:{memberId}/events?limit=100");
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return null;
            }
            var events = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("data").EnumerateArray().ToList();
            return until(events) ? events : null;
        }, timeout ?? TimeSpan.FromSeconds(30), what);

    private static IEnumerable<JsonElement> Named(IEnumerable<JsonElement> events, string name) =>
        events.Where(e => e.TryGetProperty("event", out var value) && value.GetString() == name);

    private async Task<long> ScalarAsync(string sql, params object[] arguments)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString("loyaltydb"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var argument in arguments)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = argument });
        }
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
