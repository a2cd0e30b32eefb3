using System.Globalization;

namespace Alle.Testing;

/// <summary>One process as /proc/&lt;pid&gt;/stat shows it: parent, CPU time used (user + system, in clock ticks) and name.</summary>
public sealed record ProcessStat(int Pid, int Parent, long CpuTicks, string Name);

/// <summary>Processes by parentage, read from /proc.</summary>
public static class ProcessTree
{
    /// <summary>
    /// The one child of <paramref name="pid"/> (Aspire runs a project under <c>dotnet run</c>, whose child is the service
    /// itself), or <paramref name="pid"/> when it has none.
    /// </summary>
    public static int OnlyChildOf(int pid) => Children(pid) is [var child] ? child : pid;

    public static IReadOnlyList<int> Children(int pid) => [.. Parents().Where(p => p.Value == pid).Select(p => p.Key)];

    /// <summary>Every process descended from <paramref name="pid"/>, including children that started their own session.</summary>
    public static IReadOnlyList<int> Descendants(int pid)
    {
        var parents = Parents();
        var result = new List<int>();
        var frontier = new Queue<int>([pid]);
        while (frontier.TryDequeue(out var parent))
        {
            foreach (var (child, _) in parents.Where(p => p.Value == parent))
            {
                result.Add(child);
                frontier.Enqueue(child);
            }
        }
        return result;
    }

    public static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..][0];
            return state is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>
    /// Aspire's orchestrator (DCP) of the AppHost running as <paramref name="appHostPid"/>: it detaches from the AppHost
    /// and watches it by pid, so it is found by its command line, not by parentage.
    /// </summary>
    public static IReadOnlyList<int> OrchestratorsOf(int appHostPid)
    {
        var monitor = $"--monitor {appHostPid.ToString(CultureInfo.InvariantCulture)}";
        return [.. Read().Keys.Where(pid => CommandLine(pid) is { } line && line.Contains("dcp", StringComparison.Ordinal)
            && line.Contains(monitor, StringComparison.Ordinal))];
    }

    /// <summary>Every process on the machine, by pid.</summary>
    public static Dictionary<int, ProcessStat> Read()
    {
        var processes = new Dictionary<int, ProcessStat>();
        foreach (var directory in Directory.GetDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                try
                {
                    var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                    processes[pid] = new ProcessStat(pid, int.Parse(fields[1], CultureInfo.InvariantCulture),
                        long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture),
                        stat[(stat.IndexOf('(') + 1)..stat.LastIndexOf(')')]);
                }
                catch (IOException)
                {
                }
            }
        }
        return processes;
    }

    private static Dictionary<int, int> Parents() => Read().ToDictionary(p => p.Key, p => p.Value.Parent);

    private static string? CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/cmdline").Replace('\0', ' ');
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
