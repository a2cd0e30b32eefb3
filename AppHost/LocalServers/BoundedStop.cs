namespace Alle.AppHost.LocalServers;

/// <summary>
/// Aspire's orchestrator stops a process with SIGTERM and, if it has not ended about ten seconds later, reports the
/// stop as failed and leaves it running. A server is therefore started under a small shell that turns the stop into
/// the server's own shutdown signal and, if the server is still busy eight seconds later (a checkpoint under load), into
/// a forced one: PostgreSQL and RabbitMQ recover from their logs on the next start, losing nothing they acknowledged.
/// </summary>
internal static class BoundedStop
{
    public const string Shell = "/bin/sh";

    /// <summary>The shell's arguments that run <paramref name="command"/> with <paramref name="arguments"/> under this rule.</summary>
    public static string[] Arguments(string name, string graceful, string forced, string command, IEnumerable<string> arguments) =>
    [
        "-c",
        $"trap 'kill -{graceful} $pid; (sleep 8; kill -{forced} $pid 2>/dev/null) & forcer=$!; wait $pid; kill $forcer 2>/dev/null' TERM INT; \"$@\" & pid=$!; wait $pid",
        name, command, .. arguments,
    ];
}
