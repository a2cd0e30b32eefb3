using System.Diagnostics;
using System.Text.Json;

namespace Alle.UnitTests.Messaging.TwilioVectors;

/// <summary>
/// Twilio's official Node.js helper library (the <c>twilio</c> npm package, pinned in package.json and its lock), run
/// through <c>vectors.js</c> to compute the signatures our code must agree with. Installs it with <c>npm ci</c> when
/// node_modules is missing (CI runs the same command before the tests).
/// </summary>
internal static class TwilioLibrary
{
    private static readonly SemaphoreSlim s_install = new(1, 1);

    public sealed record SignatureCase(string AuthToken, string Url, Dictionary<string, object> Params, string? Signature = null);

    public sealed record Answer(string Expected, bool? Accepted);

    public static async Task<IReadOnlyList<Answer>> ComputeAsync(IReadOnlyList<SignatureCase> cases)
    {
        var folder = Folder();
        await EnsureInstalledAsync(folder);
        var output = await RunAsync("node", ["vectors.js"], folder, JsonSerializer.Serialize(cases, JsonSerializerOptions.Web));
        return JsonSerializer.Deserialize<List<Answer>>(output, JsonSerializerOptions.Web)!;
    }

    private static string Folder()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Alle.Aspire.sln")))
        {
            directory = directory.Parent;
        }
        return Path.Combine(directory?.FullName ?? throw new InvalidOperationException("Repository root not found."),
            "Tests", "Alle.UnitTests", "Messaging", "TwilioVectors");
    }

    private static async Task EnsureInstalledAsync(string folder)
    {
        await s_install.WaitAsync();
        try
        {
            if (!Directory.Exists(Path.Combine(folder, "node_modules", "twilio")))
            {
                await RunAsync("npm", ["ci", "--no-audit", "--no-fund"], folder, null);
            }
        }
        finally
        {
            s_install.Release();
        }
    }

    private static async Task<string> RunAsync(string program, string[] arguments, string folder, string? input)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = folder,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
        }
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return process.ExitCode == 0 ? await output : throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed: {await error}");
    }
}
