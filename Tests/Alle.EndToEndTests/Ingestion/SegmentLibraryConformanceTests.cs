using System.Diagnostics;
using System.Text.Json;
using Alle.EndToEndTests.Foundation;

namespace Alle.EndToEndTests.Ingestion;

/// <summary>Segment's official Node.js library (installed from npm, unchanged) sends to the gateway; every call lands in the warehouse.</summary>
[Collection(StackCollection.Name)]
public sealed class SegmentLibraryConformanceTests(DistributedAppFixture app)
{
    private static readonly string s_project = Path.Combine(AppHostProcess.RepositoryRoot, "Tests", "Alle.EndToEndTests", "Ingestion", "conformance");

    [Fact]
    public async Task Analytics_node_sends_identify_track_page_screen_group_and_alias_to_the_warehouse()
    {
        if (!Directory.Exists(Path.Combine(s_project, "node_modules", "@segment", "analytics-node")))
        {
            var install = await RunAsync("npm", "ci", "--prefix", s_project, "--no-audit", "--no-fund");
            Assert.True(install.ExitCode == 0, $"npm ci failed: {install.Output}");
        }
        var runId = Guid.NewGuid().ToString("N");

        var send = await RunAsync("node", Path.Combine(s_project, "send.mjs"), app.Endpoint("gateway").ToString().TrimEnd('/'), app.WriteKey("portal"), runId);

        Assert.True(send.ExitCode == 0, $"analytics-node failed: {send.Output}");
        var calls = send.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => line.StartsWith('{'))
            .Select(line => JsonDocument.Parse(line).RootElement)
            .Select(call => (Type: call.GetProperty("type").GetString()!, MessageId: call.GetProperty("messageId").GetString()!))
            .ToList();
        Assert.Equal(["identify", "track", "page", "screen", "group", "alias"], calls.Select(c => c.Type));

        var warehouse = new WarehouseQueries(app);
        foreach (var (type, messageId) in calls)
        {
            var table = type switch { "identify" => "identifies", "alias" => "aliases", _ => type + "s" };
            var row = await Eventually.GetAsync(() => warehouse.RowAsync(table, messageId), TimeSpan.FromSeconds(30), $"the {type} call in {table}");
            Assert.Equal("portal", row["source_id"]);
            Assert.Equal("@segment/analytics-node", row["context_library_name"]);
            Assert.NotNull(row["sent_at"]);
            Assert.NotNull(row["original_timestamp"]);
        }
        var track = await warehouse.RowAsync("tracks", $"track-{runId}");
        Assert.Equal("Provider Searched", track!["event_text"]);
        Assert.Equal(25, JsonDocument.Parse((string)track["properties"]!).RootElement.GetProperty("radius").GetInt32());
        var user = await warehouse.RowAsync("users", $"conformance-{runId}");
        Assert.Equal("gold", JsonDocument.Parse((string)user!["traits"]!).RootElement.GetProperty("tier").GetString());
        Assert.Equal("Providers", (await warehouse.RowAsync("pages", $"page-{runId}"))!["category"]);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string program, params string[] arguments)
    {
        var startInfo = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = s_project };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }
        using var process = Process.Start(startInfo)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(deadline.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
