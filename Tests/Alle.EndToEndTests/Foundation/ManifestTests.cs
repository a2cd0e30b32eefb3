using System.Text.Json;

namespace Alle.EndToEndTests.Foundation;

public sealed class ManifestTests
{
    [Fact]
    public async Task The_apphost_writes_a_deployment_manifest_of_every_resource_without_starting_anything()
    {
        var output = Path.Combine(Path.GetTempPath(), $"manifest-{Guid.NewGuid():N}.json");
        await using var host = AppHostProcess.Start("--publisher", "manifest", "--output-path", output, "--state-dir", Path.Combine("/var/tmp", "alle-tests", "manifest"));

        Assert.Equal(0, await host.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        var resources = JsonDocument.Parse(File.ReadAllText(output)).RootElement.GetProperty("resources");
        File.Delete(output);

        var ingestion = resources.GetProperty("ingestion");
        Assert.Equal("project.v0", ingestion.GetProperty("type").GetString());
        Assert.Equal("{ingestiondb.connectionString}", ingestion.GetProperty("env").GetProperty("ConnectionStrings__ingestiondb").GetString());
        Assert.Equal("{admin-key.value}", ingestion.GetProperty("env").GetProperty("Alle__AdminKey").GetString());
        Assert.Equal("{postgres.connectionString};Database=ingestiondb", resources.GetProperty("ingestiondb").GetProperty("connectionString").GetString());
        Assert.Equal("parameter.v0", resources.GetProperty("admin-key").GetProperty("type").GetString());
        Assert.True(resources.GetProperty("gateway").GetProperty("bindings").GetProperty("http").GetProperty("external").GetBoolean());
        Assert.Equal("{gateway.bindings.http.url}/webhooks/twilio/inbound",
            resources.GetProperty("twilio-sandbox").GetProperty("env").GetProperty("Sandbox__InboundWebhookUrl").GetString());
    }
}
