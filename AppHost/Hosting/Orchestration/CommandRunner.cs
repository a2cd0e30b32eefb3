using System.Diagnostics;

namespace Alle.Hosting;

/// <summary>Runs a short-lived command to completion (initdb, chown) and returns its exit code and output.</summary>
internal static class CommandRunner
{
    public static async Task<(int ExitCode, string Output)> RunAsync(ProcessSpec spec, CancellationToken cancellationToken)
    {
        using var process = new Process { StartInfo = ProcessLauncher.CreateStartInfo(spec, newSession: false) };
        process.Start();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return (process.ExitCode, (await stdout) + (await stderr));
    }

    public static async Task RunOrThrowAsync(ProcessSpec spec, CancellationToken cancellationToken)
    {
        var (exitCode, output) = await RunAsync(spec, cancellationToken);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"'{spec.FileName} {string.Join(' ', spec.Arguments)}' failed with exit code {exitCode}: {output.Trim()}");
        }
    }

    /// <summary>Gives a folder to a service account when the AppHost runs as root (PostgreSQL and RabbitMQ refuse to run as root).</summary>
    public static Task GiveToUserAsync(string directory, string? user, CancellationToken cancellationToken) => user is null
        ? Task.CompletedTask
        : RunOrThrowAsync(new ProcessSpec("chown", ["-R", $"{user}:{user}", directory], directory, new Dictionary<string, string>()), cancellationToken);
}
