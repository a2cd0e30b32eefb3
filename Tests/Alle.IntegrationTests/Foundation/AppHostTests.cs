using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Alle.IntegrationTests.Foundation;

/// <summary>The application as the AppHost runs it under Aspire: every resource healthy, crashes restarted, telemetry in the dashboard.</summary>
[Collection(StackCollection.Name)]
public sealed class AppHostTests(DistributedAppFixture app)
{
    [Fact]
    public void Every_server_database_and_service_of_the_graph_runs_healthy()
    {
        string[] expected = ["postgres", "ingestiondb", "warehousedb", "profilesdb", "audiencesdb", "messagingdb", "loyaltydb", "destinationsdb", "operatorsdb",
            "cache", "eventbus-epmd", "eventbus", "twilio-sandbox", "ingestion", "profiles", "audiences", "messaging", "loyalty", "destinations", "web", "gateway"];

        Assert.Equal(expected.Order(), app.Resources.Monitored.Select(r => r.Name).Order());
        Assert.All(expected, name => Assert.All(app.Resources.Instances(name), instance =>
        {
            Assert.Equal("Running", instance.State);
            Assert.Equal(HealthStatus.Healthy, instance.Health);
        }));
    }

    [Fact]
    public async Task A_service_that_crashes_is_started_again_and_becomes_healthy()
    {
        var before = app.Resources.Instance("loyalty");

        Process.GetProcessById(before.ProcessId).Kill();

        await Eventually.TrueAsync(() => Task.FromResult(app.Resources.Instance("loyalty").Restarts > before.Restarts),
            TimeSpan.FromSeconds(20), "the restart to be counted");
        await app.Resources.WaitForHealthyAsync("loyalty", TimeSpan.FromSeconds(90));
        var after = app.Resources.Instance("loyalty");
        Assert.NotEqual(before.ProcessId, after.ProcessId);
        Assert.Equal("Running", after.State);
    }

    [Fact]
    public async Task The_dashboard_telemetry_api_answers_only_holders_of_its_key_and_holds_every_services_telemetry()
    {
        using var dashboard = new HttpClient { BaseAddress = app.DashboardUrl };

        using var anonymous = await dashboard.GetAsync("/api/telemetry/resources");
        dashboard.DefaultRequestHeaders.Add("x-api-key", app.DashboardApiKey);
        string[] services = ["gateway", "ingestion", "profiles", "audiences", "messaging", "loyalty", "destinations", "web"];
        var listed = await Eventually.GetAsync(async () =>
        {
            var resources = await dashboard.GetFromJsonAsync<JsonElement>("/api/telemetry/resources");
            var names = resources.EnumerateArray().Select(r => r.GetProperty("name").GetString()!).ToHashSet();
            return names.IsSupersetOf(services) ? names : null;
        }, TimeSpan.FromSeconds(60), "every service's telemetry in the dashboard");

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Superset(services.ToHashSet(), listed);
    }
}
