using System.Diagnostics;

namespace Alle.EndToEndTests.Foundation;

public sealed class ServiceStartupTests
{
    /// <summary>Well-formed connection strings to servers that are not there: nothing connects before the missing one is found.</summary>
    private static readonly Dictionary<string, string> s_unreachable = new()
    {
        ["profilesdb"] = "Host=127.0.0.1;Port=1;Database=profilesdb;Username=alle;Password=unused",
        ["ingestiondb"] = "Host=127.0.0.1;Port=1;Database=ingestiondb;Username=alle;Password=unused",
        ["warehousedb"] = "Host=127.0.0.1;Port=1;Database=warehousedb;Username=alle;Password=unused",
        ["operatorsdb"] = "Host=127.0.0.1;Port=1;Database=operatorsdb;Username=alle;Password=unused",
        ["cache"] = "127.0.0.1:1,password=unused",
        ["eventbus"] = "amqp://alle:unused@127.0.0.1:1/",
    };

    /// <summary>
    /// Each client fails the start with a message naming the key it reads: Aspire.Npgsql (plain and keyed),
    /// Aspire.StackExchange.Redis (connected at start) and the event bus.
    /// </summary>
    [Theory]
    [InlineData("Services/Profiles", "Alle.Profiles", "profilesdb", "profilesdb cache eventbus")]
    [InlineData("Services/Profiles", "Alle.Profiles", "cache", "profilesdb cache eventbus")]
    [InlineData("Services/Profiles", "Alle.Profiles", "eventbus", "profilesdb cache eventbus")]
    [InlineData("Services/Ingestion", "Alle.Ingestion", "ingestiondb", "ingestiondb warehousedb cache eventbus")]
    [InlineData("Services/Ingestion", "Alle.Ingestion", "warehousedb", "ingestiondb warehousedb cache eventbus")]
    [InlineData("Web", "Alle.Web", "cache", "operatorsdb cache")]
    [InlineData("Web", "Alle.Web", "operatorsdb", "operatorsdb cache")]
    public async Task A_service_without_one_of_its_connection_strings_fails_at_start_naming_the_key(string folder, string assembly, string missing, string needed)
    {
        var startInfo = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.Combine(AppHostProcess.RepositoryRoot, folder),
        };
        startInfo.ArgumentList.Add(AppHostProcess.BuildOutput(folder, assembly));
        startInfo.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        startInfo.Environment["Alle__AdminKey"] = "test-admin-key";
        startInfo.Environment["Alle__MemberTokenKey"] = "test-member-token-key";
        startInfo.Environment["Tracking__WriteKey"] = "test-write-key";
        foreach (var key in startInfo.Environment.Keys.Where(k => k.StartsWith("ConnectionStrings__", StringComparison.Ordinal)).ToList())
        {
            startInfo.Environment.Remove(key);
        }
        foreach (var name in needed.Split(' ').Where(name => name != missing))
        {
            startInfo.Environment[$"ConnectionStrings__{name}"] = s_unreachable[name];
        }

        using var process = Process.Start(startInfo)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{assembly} was still running after 60 s without ConnectionStrings:{missing}.");
        }

        Assert.NotEqual(0, process.ExitCode);
        Assert.Contains($"ConnectionStrings:{missing}", await stderr + await stdout);
    }
}
