using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Alle.EndToEndTests.Foundation;

public sealed class AppHostLifecycleTests : IDisposable
{
    private readonly string _stateDirectory = Path.Combine("/var/tmp", "alle-tests", "lifecycle-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task Sigterm_stops_every_child_and_a_second_run_finds_the_data_of_the_first()
    {
        var userId = $"lifecycle-{Guid.NewGuid():N}";
        await using (var first = AppHostProcess.Start("--state-dir", _stateDirectory, "--random-ports"))
        {
            await first.WaitForReadyAsync(TimeSpan.FromMinutes(3));
            Assert.Contains("admin key: ", first.Output);
            Assert.Contains("portal write key: ", first.Output);
            Assert.Contains("twilio auth token: ", first.Output);
            Assert.Contains("dashboard: http://127.0.0.1:", first.Output);

            await SendTrackedEventAsync(first.UrlOf("gateway"), userId);
            await ReadTimelineAsync(first.UrlOf("gateway"), userId);

            var children = first.Descendants();
            Assert.True(children.Count >= 12, $"expected servers and services as children, found {children.Count}");

            first.Signal(15);
            var exitCode = await first.WaitForExitAsync(TimeSpan.FromSeconds(90));

            Assert.Equal(0, exitCode);
            Assert.DoesNotContain(children, AppHostProcess.IsAlive);
        }

        await using var second = AppHostProcess.Start("--state-dir", _stateDirectory, "--random-ports");
        await second.WaitForReadyAsync(TimeSpan.FromMinutes(3));
        var timeline = await ReadTimelineAsync(second.UrlOf("gateway"), userId);
        Assert.Single(timeline.GetProperty("data").EnumerateArray());
    }

    private async Task SendTrackedEventAsync(Uri gateway, string userId)
    {
        using var client = new HttpClient { BaseAddress = gateway };
        client.DefaultRequestHeaders.Authorization = new("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{Credential("portal-write-key")}:")));
        using var response = await client.PostAsJsonAsync("/v1/track", new { userId, @event = "Member Enrolled" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task<JsonElement> ReadTimelineAsync(Uri gateway, string userId)
    {
        using var client = new HttpClient { BaseAddress = gateway };
        client.DefaultRequestHeaders.Authorization = new("Bearer", Credential("admin-key"));
        return await Eventually.GetValueAsync(async () =>
        {
            using var response = await client.GetAsync($"/api/profiles/v1/spaces/default/collections/users/profiles/user_id:{userId}/events");
            return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadFromJsonAsync<JsonElement>() : (JsonElement?)null;
        }, TimeSpan.FromSeconds(30), "the event on the timeline");
    }

    /// <summary>Credentials are generated on first run and kept with the state, readable only by their owner.</summary>
    private string Credential(string name) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(_stateDirectory, "credentials.json"))).RootElement.GetProperty(name).GetString()!;

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
