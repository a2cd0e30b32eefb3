using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Alle.Hosting;

namespace Alle.IntegrationTests.Foundation;

[Collection(StackCollection.Name)]
public sealed class OrchestratorTests(DistributedAppFixture app)
{
    [Fact]
    public async Task The_dashboard_lists_every_resource_healthy_and_only_for_holders_of_its_token()
    {
        var dashboard = new Uri(app.App.DashboardUrl);
        using var client = new HttpClient { BaseAddress = new Uri(dashboard.GetLeftPart(UriPartial.Authority)) };

        using var anonymous = await client.GetAsync("/api/resources");
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", app.App.DashboardToken);
        var view = await client.GetFromJsonAsync<JsonElement>("/api/resources");

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        var resources = view.GetProperty("resources").EnumerateArray().ToDictionary(r => r.GetProperty("name").GetString()!);
        string[] expected = ["postgres", "ingestiondb", "warehousedb", "profilesdb", "audiencesdb", "messagingdb", "loyaltydb",
            "cache", "eventbus", "twilio-sandbox", "ingestion", "profiles", "audiences", "messaging", "loyalty", "web", "gateway"];
        foreach (var name in expected)
        {
            Assert.True(resources.ContainsKey(name), $"the dashboard lists {name}");
        }
        Assert.Contains(view.GetProperty("credentials").EnumerateArray(), c => c.GetProperty("name").GetString() == "admin key");
        Assert.Equal("Running", resources["gateway"].GetProperty("state").GetString());
        Assert.StartsWith("http://127.0.0.1:", resources["gateway"].GetProperty("endpoints")[0].GetString());
    }

    [Fact]
    public async Task The_dashboard_streams_a_resources_console_output_as_server_sent_events()
    {
        var dashboard = new Uri(app.App.DashboardUrl);
        using var client = new HttpClient { BaseAddress = new Uri(dashboard.GetLeftPart(UriPartial.Authority)) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", app.App.DashboardToken);

        using var response = await client.GetAsync("/api/resources/gateway/logs", HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var first = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(first);
        Assert.StartsWith("data: ", first);
        var line = JsonDocument.Parse(first["data: ".Length..]).RootElement;
        Assert.False(string.IsNullOrEmpty(line.GetProperty("text").GetString()));
        Assert.Equal(0, line.GetProperty("replica").GetInt32());
    }

    [Fact]
    public async Task A_crashed_service_is_restarted_and_becomes_healthy_again()
    {
        var before = app.Resources.Instance("loyalty");
        var pid = Assert.Single(before.Pids);

        System.Diagnostics.Process.GetProcessById(pid).Kill();

        await Eventually.TrueAsync(() => Task.FromResult(app.Resources.Instance("loyalty").RestartCount > before.RestartCount),
            TimeSpan.FromSeconds(20), "the restart to be counted");
        await app.Resources.WaitForHealthyAsync("loyalty", TimeSpan.FromSeconds(60));
        var after = app.Resources.Instance("loyalty");
        Assert.NotEqual(pid, Assert.Single(after.Pids));
        Assert.Equal(ResourceState.Running, after.State);
    }
}
