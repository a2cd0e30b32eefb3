using System.Globalization;

namespace Alle.Bench.Ingestion;

/// <summary>
/// Where the CPU goes: CPU seconds per process group between two samples (from /proc), as cores busy on average. Only
/// the AppHost's own process tree and this generator are counted, not other programs on the machine.
/// </summary>
internal sealed class CpuSampler(int appHostPid)
{
    private const double TicksPerSecond = 100; // USER_HZ on Linux

    public Dictionary<string, double> Sample()
    {
        var processes = new Dictionary<int, (int Parent, long Ticks, string CommandLine)>();
        foreach (var directory in Directory.EnumerateDirectories("/proc").Where(d => char.IsAsciiDigit(Path.GetFileName(d)[0])))
        {
            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                processes[int.Parse(Path.GetFileName(directory), CultureInfo.InvariantCulture)] = (
                    int.Parse(fields[1], CultureInfo.InvariantCulture),
                    long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture),
                    File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' '));
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
            }
        }

        bool Counted(int pid)
        {
            if (pid == Environment.ProcessId)
            {
                return true;
            }
            for (var hops = 0; hops < 20 && pid > 1 && processes.TryGetValue(pid, out var process); hops++, pid = process.Parent)
            {
                if (pid == appHostPid)
                {
                    return true;
                }
            }
            return false;
        }

        var seconds = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (pid, process) in processes.Where(p => Counted(p.Key)))
        {
            var group = pid == Environment.ProcessId ? "load generator" : Group(process.CommandLine);
            seconds[group] = seconds.GetValueOrDefault(group) + process.Ticks / TicksPerSecond;
        }
        return seconds;
    }

    /// <summary>Average cores used per group since <paramref name="before"/>.</summary>
    public Dictionary<string, double> Since(Dictionary<string, double> before, TimeSpan elapsed) =>
        Sample().ToDictionary(g => g.Key, g => (g.Value - before.GetValueOrDefault(g.Key)) / elapsed.TotalSeconds);

    private static string Group(string commandLine)
    {
        foreach (var service in new[] { "Gateway", "Ingestion", "Profiles", "Audiences", "Messaging", "Loyalty", "Web", "TwilioSandbox" })
        {
            if (commandLine.Contains($"Alle.{service}.dll", StringComparison.Ordinal))
            {
                return service.ToLowerInvariant();
            }
        }
        return commandLine.StartsWith("postgres", StringComparison.Ordinal) || commandLine.Contains("/postgres ", StringComparison.Ordinal) ? "postgres"
            : commandLine.Contains("beam.smp", StringComparison.Ordinal) ? "rabbitmq"
            : commandLine.Contains("redis-server", StringComparison.Ordinal) ? "redis"
            : commandLine.Contains("Alle.AppHost", StringComparison.Ordinal) ? "apphost"
            : "other";
    }
}
