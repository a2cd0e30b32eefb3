using System.Diagnostics;

namespace Alle.EndToEndTests.Foundation;

public sealed class ServiceStartupTests
{
    [Theory]
    [InlineData("Services/Profiles", "Alle.Profiles", "profilesdb")]
    [InlineData("Services/Ingestion", "Alle.Ingestion", "ingestiondb")]
    public async Task A_service_without_its_connection_string_fails_at_start_naming_the_key(string folder, string assembly, string connectionName)
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
        foreach (var key in startInfo.Environment.Keys.Where(k => k.StartsWith("ConnectionStrings__", StringComparison.Ordinal)).ToList())
        {
            startInfo.Environment.Remove(key);
        }

        using var process = Process.Start(startInfo)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(deadline.Token);

        Assert.NotEqual(0, process.ExitCode);
        Assert.Contains($"ConnectionStrings:{connectionName}", await stderr + await stdout);
    }
}
