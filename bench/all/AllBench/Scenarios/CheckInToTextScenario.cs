using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Alle.Bench.All.Load;
using Alle.Bench.All.Reporting;
using Alle.Testing;
using Npgsql;

namespace Alle.Bench.All.Scenarios;

/// <summary>
/// Flash Rewards under load, as the north-star test sets it up: a flash offer at a provider for an audience of this
/// run's members, and a journey triggered by check-ins naming the offer that issues the coupon and texts it. While the
/// application takes 1,000 events/s of background tracking, members check in one after another; each latency runs from
/// her check-in call to her text in the Twilio sandbox's inbox.
/// </summary>
internal static class CheckInToTextScenario
{
    private const string Provider = "prv_hudson_aesthetics";
    private const int Members = 20;

    public static async Task RunAsync(BenchRun run, int backgroundEventsPerSecond)
    {
        const string Name = "check-in → text";
        var app = run.App;
        var setup = new PlatformSetup(app);
        var cohort = $"flash-{Guid.NewGuid():N}"[..20];
        var audienceKey = $"bench-flash-{Guid.NewGuid():N}"[..24];
        await setup.CreateAudienceAsync(audienceKey, $$"""{"trait": "cohort", "operator": "equals", "value": "{{cohort}}"}""");
        var offerId = await setup.CreateFlashOfferAsync(new
        {
            title = "Flash: $30 off today", value = 30m, providerIds = new[] { Provider }, audienceKey, endsAt = DateTimeOffset.UtcNow.AddHours(4),
        });
        await setup.CreateJourneyAsync(new
        {
            name = $"Bench Flash Rewards {cohort}",
            trigger = new { type = "event", @event = "Provider Checked In", filters = new[] { new { property = "flashOfferId", @operator = "equals", value = offerId.ToString() } } },
            coupon = new { offerIdProperty = "flashOfferId" },
            template = "Welcome to {{ event.providerName }}! Flash reward: ${{ coupon.value }} off today with {{ coupon.code }}",
        });

        Console.Error.WriteLine($"{Name}: enrolling {Members} members in the flash offer's audience…");
        using var portal = app.CreateTrackingClient("portal");
        var members = new List<(string MemberId, string Phone, string Token)>();
        foreach (var i in Enumerable.Range(0, Members))
        {
            var phone = TestPhones.New();
            using var enrolled = await app.AdminGateway.PostAsJsonAsync("/api/loyalty/members", new
            {
                phone, firstName = $"Bench{i}", lastName = "Member", marketingConsent = true, source = "portal",
                consentWording = "Yes, text me offers from Allē. Reply STOP to cancel.",
            });
            await PlatformSetup.EnsureAsync(enrolled, "enrolling a member");
            var body = await enrolled.Content.ReadFromJsonAsync<JsonElement>();
            var memberId = body.GetProperty("memberId").GetString()!;
            using var identified = await portal.PostAsJsonAsync("/v1/identify", new { userId = memberId, traits = new { cohort, timezone = TestTimeZones.Daytime() } });
            await PlatformSetup.EnsureAsync(identified, "identifying a member");
            members.Add((memberId, phone, body.GetProperty("token").GetString()!));
        }
        await using var loyalty = NpgsqlDataSource.Create(app.ConnectionString("loyaltydb"));
        await Eventually.TrueAsync(async () =>
        {
            await using var command = loyalty.CreateCommand("SELECT count(*) FROM audience_memberships WHERE audience_key = $1 AND is_member");
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = audienceKey });
            return (long)(await command.ExecuteScalarAsync())! >= Members;
        }, TimeSpan.FromMinutes(3), "every member eligible for the flash offer in Loyalty");
        foreach (var member in members)
        {
            await Eventually.TrueAsync(async () => (await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/messaging/consent/{Uri.EscapeDataString(member.Phone)}"))
                .GetProperty("consents").EnumerateArray().Any(c => c.GetProperty("category").GetString() == "marketing" && c.GetProperty("subscribed").GetBoolean()),
                TimeSpan.FromMinutes(2), "a member's consent in Messaging");
        }

        using var background = new TrackingTraffic(app.Endpoint("gateway"), app.WriteKey("portal"), $"bg{Guid.NewGuid():N}"[..10] + "-");
        using var stopBackground = new CancellationTokenSource();
        var load = background.RunAsync(backgroundEventsPerSecond, 10, TimeSpan.FromHours(1), stopBackground.Token);
        await Task.Delay(TimeSpan.FromSeconds(3));

        Console.Error.WriteLine($"{Name}: {Members} check-ins, one after another, under {backgroundEventsPerSecond:N0} events/s…");
        using var sandbox = app.CreateClient("twilio-sandbox");
        using var gateway = new HttpClient { BaseAddress = app.Endpoint("gateway"), Timeout = TimeSpan.FromSeconds(30) };
        var latencies = new List<double>();
        var missing = 0;
        await run.MeasureCoresAsync(Name, async () =>
        {
            foreach (var member in members)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/loyalty/members/{member.MemberId}/check-ins")
                {
                    Content = JsonContent.Create(new { providerId = Provider }),
                    Headers = { Authorization = new AuthenticationHeaderValue("Bearer", member.Token) },
                };
                var started = Stopwatch.GetTimestamp();
                using var checkedIn = await gateway.SendAsync(request);
                if (checkedIn.StatusCode != HttpStatusCode.Created)
                {
                    throw new InvalidOperationException($"A check-in answered {(int)checkedIn.StatusCode}: {await checkedIn.Content.ReadAsStringAsync()}");
                }
                var texted = await WaitForTextAsync(sandbox, member.Phone, TimeSpan.FromSeconds(20));
                if (texted)
                {
                    latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
                else
                {
                    missing++;
                }
            }
            return 0;
        });
        await stopBackground.CancelAsync();
        var backgroundResult = await load;

        var p95 = Percentiles.Of(latencies, 0.95);
        var floor = run.Baselines.Alive.TryGetValue(1_000, out var alive) ? alive.P95 : (double?)null;
        run.Add(new Result(Name, $"p95 ms from check-in to text in the sandbox ({latencies.Count} of {Members} texted within 20 s; p50 {Percentiles.Of(latencies, 0.5):0} ms, " +
            $"max {Percentiles.Of(latencies, 1):0} ms; background {backgroundResult.AcceptedEvents / backgroundResult.Elapsed.TotalSeconds:N0} events/s accepted, failed calls: {backgroundResult.FailureSummary})",
            p95, "ms", "p95 < 1,000 ms", floor, "/alive p95 at 1,000/s", missing == 0 && p95 < 1_000));
    }

    private static async Task<bool> WaitForTextAsync(HttpClient sandbox, string phone, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            var inbox = await sandbox.GetFromJsonAsync<JsonElement>($"/api/inbox/{Uri.EscapeDataString(phone)}");
            if (inbox.GetProperty("messages").EnumerateArray().Any(m => m.GetProperty("to").GetString() == phone))
            {
                return true;
            }
            await Task.Delay(20);
        }
        return false;
    }
}
