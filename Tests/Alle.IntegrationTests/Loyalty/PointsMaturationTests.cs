using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;

namespace Alle.IntegrationTests.Loyalty;

/// <summary>
/// With Loyalty's pending hold at 10 seconds and two Loyalty replicas side by side (relays and maturation jobs in both),
/// points mature in real time within a test and are spent once.
/// </summary>
[Collection(ReplicasCollection.Name)]
public sealed class PointsMaturationTests(ReplicasFixture app)
{
    [Fact]
    public async Task Pending_points_become_available_when_the_hold_ends_and_the_profile_hears_it_once()
    {
        using var admin = Client(app.AdminKey);
        using var enrolled = await admin.PostAsJsonAsync("/api/loyalty/members", new
        {
            phone = TestPhones.New("305"), firstName = "Jordan", lastName = "Lee", marketingConsent = false,
        });
        Assert.Equal(HttpStatusCode.Created, enrolled.StatusCode);
        var body = await enrolled.Content.ReadFromJsonAsync<JsonElement>();
        var memberId = body.GetProperty("memberId").GetString()!;
        using var member = Client(body.GetProperty("token").GetString()!);
        using var provider = Client(app.Parameter("provider-key"));
        var purchaseId = $"pur-{Guid.NewGuid():N}";

        using var recorded = await provider.PostAsJsonAsync("/api/loyalty/providers/prv_southbeach_medspa/purchases", new
        {
            purchaseId, memberId, treatments = new[] { new { product = "juvederm", amount = 800m } },
        });
        Assert.Equal(HttpStatusCode.Created, recorded.StatusCode);
        var pending = await member.GetFromJsonAsync<JsonElement>($"/api/loyalty/members/{memberId}/points");
        Assert.Equal((0, 200), (pending.GetProperty("available").GetInt32(), pending.GetProperty("pending").GetInt32()));

        var available = await Eventually.GetValueAsync(async () =>
        {
            var balance = await member.GetFromJsonAsync<JsonElement>($"/api/loyalty/members/{memberId}/points");
            return balance.GetProperty("available").GetInt32() == 200 ? balance : (JsonElement?)null;
        }, TimeSpan.FromSeconds(40), "the points to become available");
        Assert.Equal(0, available.GetProperty("pending").GetInt32());

        var events = await Eventually.GetAsync(async () =>
        {
            using var response = await admin.GetAsync($"/api/profiles/v1/spaces/default/collections/users/profiles/user_id:{memberId}/events?limit=100");
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return null;
            }
            var all = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("data").EnumerateArray().ToList();
            return all.Any(IsPointsAvailable) ? all : null;
        }, TimeSpan.FromSeconds(30), "Points Available on the profile");
        var announced = Assert.Single(events, IsPointsAvailable);
        Assert.Equal(200, announced.GetProperty("properties").GetProperty("points").GetInt32());
        Assert.Equal(1, await ScalarAsync("SELECT count(*) FROM point_maturations WHERE member_id = $1", memberId));
        Assert.Equal(1, await ScalarAsync("SELECT count(*) FROM outbox_messages WHERE ordering_key = 'member:' || $1 AND payload->>'event' = 'Points Available'", memberId));

        // Both replicas serve redemptions; the member's available points are spent exactly once.
        var redemptions = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => member.PostAsJsonAsync($"/api/loyalty/members/{memberId}/redemptions",
            new { redemptionId = $"red-{Guid.NewGuid():N}", points = 100, providerId = "prv_southbeach_medspa" })));
        Assert.Equal(2, redemptions.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.Equal(0, (await member.GetFromJsonAsync<JsonElement>($"/api/loyalty/members/{memberId}/points")).GetProperty("available").GetInt32());
    }

    // Identify calls on the timeline have no event name.
    private static bool IsPointsAvailable(JsonElement e) => e.TryGetProperty("event", out var name) && name.GetString() == "Points Available";

    private HttpClient Client(string credential)
    {
        var client = new HttpClient { BaseAddress = app.Endpoint("gateway") };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", credential);
        return client;
    }

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
