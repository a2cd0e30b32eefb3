using System.Diagnostics;

namespace Alle.AppHost.LocalServers;

/// <summary>
/// PostgreSQL and RabbitMQ refuse to run as root. When the AppHost is root, their processes run as the accounts Debian's
/// packages create (<c>postgres</c>, <c>rabbitmq</c>) through <c>setpriv</c>, which execs the server in place (so the
/// orchestrator's signals reach the server itself), and their folders are given to that account.
/// </summary>
public static class ServiceAccount
{
    public static bool IsRoot { get; } = Environment.UserName == "root";

    /// <summary>The command and leading arguments that run <paramref name="program"/> as <paramref name="account"/> when root.</summary>
    public static (string Command, string[] Prefix) RunAs(string account, string program) => IsRoot
        ? (ServerPrograms.FindOrExit("setpriv", "util-linux"), [$"--reuid={account}", $"--regid={account}", "--init-groups", "--", program])
        : (program, []);

    /// <summary>Gives <paramref name="directory"/> (recursively) to <paramref name="account"/> when root.</summary>
    public static void Own(string directory, string account)
    {
        if (!IsRoot)
        {
            return;
        }
        using var chown = Process.Start(new ProcessStartInfo("chown", ["-R", $"{account}:{account}", directory]) { RedirectStandardError = true })!;
        var error = chown.StandardError.ReadToEnd();
        chown.WaitForExit();
        if (chown.ExitCode != 0)
        {
            throw new InvalidOperationException($"chown -R {account} {directory} failed: {error.Trim()}");
        }
    }
}
