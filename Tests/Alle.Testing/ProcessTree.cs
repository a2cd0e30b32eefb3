using System.Globalization;

namespace Alle.Testing;

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

    private static Dictionary<int, int> Parents()
    {
        var parents = new Dictionary<int, int>();
        foreach (var directory in Directory.GetDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), out var pid))
            {
                try
                {
                    var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                    parents[pid] = int.Parse(fields[1], CultureInfo.InvariantCulture);
                }
                catch (IOException)
                {
                }
            }
        }
        return parents;
    }
}
