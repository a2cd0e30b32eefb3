using System.Diagnostics;

namespace Alle.Hosting;

/// <summary>
/// Turns a <see cref="ProcessSpec"/> into a <see cref="ProcessStartInfo"/>. Every long-running child becomes the leader of
/// its own session (<c>setsid</c>), so a terminal's Ctrl+C reaches only the AppHost, which then stops children in reverse
/// dependency order; as root, servers drop to their service account with <c>setpriv</c>. Both programs exec in place,
/// so the child's pid is the server's pid.
/// </summary>
internal static class ProcessLauncher
{
    // Inherited variables that would change how a child binds or configures itself.
    private static readonly string[] s_inheritedPrefixesToDrop = ["ASPNETCORE_", "DOTNET_LAUNCH_", "ConnectionStrings__", "services__", "OTEL_", "HTTP_PORTS", "HTTPS_PORTS", "DOTNET_URLS"];

    public static ProcessStartInfo CreateStartInfo(ProcessSpec spec, bool newSession)
    {
        var command = new List<string>();
        if (newSession)
        {
            command.Add("setsid");
        }
        if (spec.RunAsUser is not null && RunContext.IsRoot)
        {
            command.AddRange(["setpriv", $"--reuid={spec.RunAsUser}", $"--regid={spec.RunAsUser}", "--init-groups", "--"]);
        }
        command.Add(spec.FileName);
        command.AddRange(spec.Arguments);

        var startInfo = new ProcessStartInfo(command[0])
        {
            WorkingDirectory = spec.WorkingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
        };
        foreach (var argument in command.Skip(1))
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var key in startInfo.Environment.Keys.ToList())
        {
            if (s_inheritedPrefixesToDrop.Any(prefix => key.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)))
            {
                startInfo.Environment.Remove(key);
            }
        }
        foreach (var (key, value) in spec.Environment)
        {
            startInfo.Environment[key] = value;
        }

        return startInfo;
    }
}
