using System.Globalization;
using Alle.Testing;

namespace Alle.Bench.Soak;

/// <summary>Resident (RSS) and proportional (PSS) memory of a process tree in MB, from /proc; zero for a process that is gone.</summary>
internal readonly record struct ProcessMemory(double Resident, double Proportional)
{
    public bool Gone => Resident <= 0;

    /// <summary>
    /// A process and its descendants (a server's wrapper shell, the server and its workers): their resident sets count
    /// shared pages once per process, their proportional shares add up without counting them twice.
    /// </summary>
    public static ProcessMemory OfTree(int root)
    {
        if (root <= 0 || !ProcessTree.IsAlive(root))
        {
            return default;
        }
        var pids = ProcessTree.Descendants(root).Prepend(root).ToList();
        return new ProcessMemory(pids.Sum(pid => Kilobytes($"/proc/{pid}/status", "VmRSS:")) / 1024.0,
            pids.Sum(pid => Kilobytes($"/proc/{pid}/smaps_rollup", "Pss:")) / 1024.0);
    }

    public override string ToString() => Gone ? "gone" : $"{Resident:N0}/{Proportional:N0}";

    private static long Kilobytes(string path, string field)
    {
        try
        {
            var line = File.ReadLines(path).FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }
}
