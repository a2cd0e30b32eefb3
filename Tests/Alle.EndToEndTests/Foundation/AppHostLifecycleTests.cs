using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Alle.EndToEndTests.Foundation;

public sealed class AppHostLifecycleTests : IDisposable
{
    private readonly string _stateDirectory = Path.Combine("/var/tmp", "alle-tests", "lifecycle-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task Sigterm_stops_every_process_and_a_second_run_finds_the_data_and_credentials_of_the_first()
    {
        using var slot = await ApplicationSlot.AcquireAsync(TimeSpan.FromMinutes(45));
        var userId = $"lifecycle-{Guid.NewGuid():N}";
        string adminKey;
        await using (var first = AppHostProcess.Start("--state-dir", _stateDirectory, "--random-ports"))
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

            var processes = first.Processes();
            Assert.True(processes.Count >= 20, $"expected the orchestrator, the servers and the services, found {processes.Count}");

            first.Signal(15);
            var exitCode = await first.WaitForExitAsync(TimeSpan.FromSeconds(90));

            Assert.Equal(0, exitCode);
            await Eventually.TrueAsync(() => Task.FromResult(!processes.Any(ProcessTree.IsAlive)), TimeSpan.FromSeconds(30),
                "every process the AppHost ran to end with it");
        }

        await using var second = AppHostProcess.Start("--state-dir", _stateDirectory, "--random-ports");
        await second.WaitForReadyAsync(TimeSpan.FromMinutes(4));
        Assert.Equal(adminKey, second.Printed("admin key"));
        var timeline = await ReadTimelineAsync(new Uri(second.Printed("gateway")), adminKey, userId);
        Assert.Single(timeline.GetProperty("data").EnumerateArray());
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
