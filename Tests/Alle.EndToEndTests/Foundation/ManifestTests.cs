using System.Text.Json;

namespace Alle.EndToEndTests.Foundation;

/// <summary>Aspire's publisher writes the deployment manifest from the AppHost's graph, without starting anything.</summary>
public sealed class ManifestTests
{
    private static readonly string[] s_services = ["ingestion", "profiles", "audiences", "messaging", "loyalty", "destinations", "web", "gateway"];

    [Fact]
    public async Task The_manifest_has_every_service_its_bindings_and_secret_parameters_and_managed_servers_instead_of_local_ones()
    {
        var output = Path.Combine(Path.GetTempPath(), $"manifest-{Guid.NewGuid():N}.json");
        await using var host = AppHostProcess.Start("--publisher", "manifest", "--output-path", output);

        Assert.Equal(0, await host.WaitForExitAsync(TimeSpan.FromSeconds(90)));
        var resources = JsonDocument.Parse(File.ReadAllText(output)).RootElement.GetProperty("resources");
        File.Delete(output);

        foreach (var service in s_services)
        {
            var resource = resources.GetProperty(service);
            Assert.Equal("project.v0", resource.GetProperty("type").GetString());
            var http = resource.GetProperty("bindings").GetProperty("http");
            Assert.Equal("http", http.GetProperty("scheme").GetString());
            Assert.Equal(service == "gateway", http.TryGetProperty("external", out var external) && external.GetBoolean());
            Assert.Equal("{admin-key.value}", resource.GetProperty("env").GetProperty("Alle__AdminKey").GetString());
        }

        // The servers are managed services in Azure: connection strings given at deployment, never started by the AppHost.
        foreach (var server in new[] { "postgres", "cache", "eventbus" })
        {
            Assert.Equal("parameter.v0", resources.GetProperty(server).GetProperty("type").GetString());
            Assert.True(resources.GetProperty(server).GetProperty("inputs").GetProperty("value").GetProperty("secret").GetBoolean());
        }
        Assert.Equal("value.v0", resources.GetProperty("ingestiondb").GetProperty("type").GetString());
        Assert.Equal("{postgres.connectionString};Database=ingestiondb", resources.GetProperty("ingestiondb").GetProperty("connectionString").GetString());
        var ingestionEnv = resources.GetProperty("ingestion").GetProperty("env");
        Assert.Equal("{ingestiondb.connectionString}", ingestionEnv.GetProperty("ConnectionStrings__ingestiondb").GetString());
        Assert.Equal("{eventbus.connectionString}", ingestionEnv.GetProperty("ConnectionStrings__eventbus").GetString());
        Assert.Equal("{profiles.bindings.http.url}", resources.GetProperty("gateway").GetProperty("env").GetProperty("services__profiles__http__0").GetString());

        // Every credential is a secret input; Twilio's are the account's own, with nothing generated for them.
        foreach (var credential in new[] { "admin-key", "provider-key", "member-token-key", "portal-write-key", "twilio-account-sid", "twilio-auth-token" })
        {
            var input = resources.GetProperty(credential).GetProperty("inputs").GetProperty("value");
            Assert.True(input.GetProperty("secret").GetBoolean(), $"{credential} is secret");
        }
        Assert.True(resources.GetProperty("admin-key").GetProperty("inputs").GetProperty("value").TryGetProperty("default", out _));
        Assert.False(resources.GetProperty("twilio-auth-token").GetProperty("inputs").GetProperty("value").TryGetProperty("default", out _));

        // Development-only parts stay out: the Twilio sandbox, the local servers' steps and passwords.
        var names = resources.EnumerateObject().Select(r => r.Name).ToList();
        Assert.DoesNotContain("twilio-sandbox", names);
        Assert.DoesNotContain(names, n => n.EndsWith("-password", StringComparison.Ordinal) || n.EndsWith("-init", StringComparison.Ordinal) || n.EndsWith("-epmd", StringComparison.Ordinal));
        Assert.False(resources.GetProperty("messaging").GetProperty("env").TryGetProperty("Twilio__BaseUrl", out _));
        Assert.Equal("{gateway.bindings.http.url}", resources.GetProperty("messaging").GetProperty("env").GetProperty("Messaging__PublicBaseUrl").GetString());
    }
}
