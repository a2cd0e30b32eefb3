using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Alle.EndToEndTests.Foundation;

public sealed class AppHostLifecycleTests : IDisposable
{
    private readonly string _stateDirectory = Path.Combine("/var/tmp", "alle-tests", "lifecycle-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task Sigterm_stops_every_process_and_a_second_run_finds_the_data_and_credentials_of_the_first_and_the_demo_program_once()
    {
        using var slot = await ApplicationSlot.AcquireAsync(TimeSpan.FromMinutes(45));
        var userId = $"lifecycle-{Guid.NewGuid():N}";
        string adminKey;
        // The demo program is on by default in development; this run is not started as development, so it asks for it.
        await using (var first = AppHostProcess.Start("--state-dir", _stateDirectory, "--random-ports", "--AppHost:SeedDemo=true"))
        {
            await first.WaitForReadyAsync(TimeSpan.FromMinutes(4));
            adminKey = first.Printed("admin key");
            var gateway = new Uri(first.Printed("gateway"));
            Assert.Matches("^AC[0-9a-f]{32}$", first.Printed("twilio account sid"));
            Assert.Matches("^[0-9a-f]{32}$", first.Printed("twilio auth token"));
            Assert.StartsWith("http://127.0.0.1:", first.Printed("dashboard"));
            Assert.Contains("/login?t=", first.Printed("dashboard"));
            Assert.Equal("127.0.0.1", gateway.Host);

            await SendTrackedEventAsync(gateway, first.Printed("portal write key"), userId);
            await ReadTimelineAsync(gateway, adminKey, userId);
            await Eventually.TrueAsync(() => Task.FromResult(first.Output.Contains("demo program: seeded everyone offer, flash offer, north-star audience, north-star journey, Flash Rewards journey", StringComparison.Ordinal)),
                TimeSpan.FromMinutes(2), "the demo program seeded");
            await AssertDemoProgramAsync(gateway, adminKey);

            var processes = first.Processes();
            Assert.True(processes.Count >= 20, $"expected the orchestrator, the servers and the services, found {processes.Count}");

            first.Signal(15);
            var exitCode = await first.WaitForExitAsync(TimeSpan.FromSeconds(90));

            Assert.Equal(0, exitCode);
            await Eventually.TrueAsync(() => Task.FromResult(!processes.Any(ProcessTree.IsAlive)), TimeSpan.FromSeconds(30),
                "every process the AppHost ran to end with it");
        }

        await using var second = AppHostProcess.Start("--state-dir", _stateDirectory, "--random-ports", "--AppHost:SeedDemo=true");
        await second.WaitForReadyAsync(TimeSpan.FromMinutes(4));
        Assert.Equal(adminKey, second.Printed("admin key"));
        var timeline = await ReadTimelineAsync(new Uri(second.Printed("gateway")), adminKey, userId);
        Assert.Single(timeline.GetProperty("data").EnumerateArray());
        // Seeding again changes nothing: still one of each.
        await Eventually.TrueAsync(() => Task.FromResult(second.Output.Contains("demo program: already in place", StringComparison.Ordinal)), TimeSpan.FromMinutes(2),
            "the demo program found in place");
        await AssertDemoProgramAsync(new Uri(second.Printed("gateway")), adminKey);
    }

    private static async Task AssertDemoProgramAsync(Uri gateway, string adminKey)
    {
        using var client = new HttpClient { BaseAddress = gateway };
        client.DefaultRequestHeaders.Authorization = new("Bearer", adminKey);
        var offers = (await client.GetFromJsonAsync<JsonElement>("/api/loyalty/offers")).EnumerateArray().ToList();
        Assert.Single(offers, o => o.GetProperty("title").GetString() == Alle.AppHost.Demo.DemoProgram.EveryoneOfferTitle && o.GetProperty("eligibility").GetString() == "everyone");
        var flash = Assert.Single(offers, o => o.GetProperty("title").GetString() == Alle.AppHost.Demo.DemoProgram.FlashOfferTitle);
        Assert.Equal(Alle.AppHost.Demo.DemoProgram.FlashProviders, flash.GetProperty("providerIds").EnumerateArray().Select(p => p.GetString()));
        using (var audience = await client.GetAsync($"/api/audiences/{Alle.AppHost.Demo.DemoProgram.NorthStarAudienceKey}"))
        {
            Assert.Equal(HttpStatusCode.OK, audience.StatusCode);
        }
        var journeys = (await client.GetFromJsonAsync<JsonElement>("/api/messaging/journeys")).GetProperty("data").EnumerateArray().Select(j => j.GetProperty("name").GetString()).ToList();
        Assert.Single(journeys, name => name == Alle.AppHost.Demo.DemoProgram.NorthStarJourneyName);
        Assert.Single(journeys, name => name == Alle.AppHost.Demo.DemoProgram.FlashRewardsJourneyName);
    }

    private static async Task SendTrackedEventAsync(Uri gateway, string writeKey, string userId)
    {
        using var client = new HttpClient { BaseAddress = gateway };
        client.DefaultRequestHeaders.Authorization = new("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{writeKey}:")));
        using var response = await client.PostAsJsonAsync("/v1/track", new { userId, @event = "Member Enrolled" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static async Task<JsonElement> ReadTimelineAsync(Uri gateway, string adminKey, string userId)
    {
        using var client = new HttpClient { BaseAddress = gateway };
        client.DefaultRequestHeaders.Authorization = new("Bearer", adminKey);
        return await Eventually.GetValueAsync(async () =>
        {
            using var response = await client.GetAsync($"/api/profiles/v1/spaces/default/collections/users/profiles/user_id:{userId}/events");
            return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadFromJsonAsync<JsonElement>() : (JsonElement?)null;
        }, TimeSpan.FromSeconds(30), "the event on the timeline");
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_stateDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
