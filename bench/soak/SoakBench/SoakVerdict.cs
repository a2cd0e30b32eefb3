using System.Globalization;
using Alle.Bench;

namespace Alle.Bench.Soak;

/// <summary>One minute of the soak: the latencies (ms) of the calls that completed in it, its failures, each process's memory.</summary>
internal sealed record SoakMinute(int Number, double[] Latencies, Dictionary<string, long> Failures, Dictionary<string, ProcessMemory> Memory, string Load)
{
    public long Failed => Failures.Values.Sum();

    public string Row(IEnumerable<string> processes) =>
        $"| {Number} | {Latencies.Length:N0} | {(Failed == 0 ? "0" : string.Join(", ", Failures.Select(f => $"{f.Value:N0} ({f.Key})")))} " +
        $"| {Percentiles.Of(Latencies, 0.5):N1} | {Percentiles.Of(Latencies, 0.95):N1} | {Percentiles.Of(Latencies, 0.99):N1} " +
        $"| {string.Join(" | ", processes.Select(p => Memory[p].ToString()))} | {Load} |";
}

/// <summary>
/// Whether memory levelled off and latency held: the last third of the run against the second (the first third is the
/// warm-up of caches, pools and the JIT, where growth is expected).
/// </summary>
internal static class SoakVerdict
{
    /// <summary>A run says something about a steady load when no process went away and at most 1% of the calls failed.</summary>
    public static bool IsValid(IReadOnlyList<SoakMinute> minutes) =>
        minutes.Count >= 3
        && minutes.All(m => m.Memory.Values.All(memory => !memory.Gone))
        && minutes.Sum(m => m.Failed) <= 0.01 * minutes.Sum(m => m.Latencies.Length + m.Failed);

    public static string Of(IReadOnlyList<SoakMinute> minutes, IReadOnlyList<string> processes)
    {
        if (!IsValid(minutes))
        {
            return $"Not a valid soak ({minutes.Count} minutes measured, {minutes.Sum(m => m.Failed):N0} failed calls of " +
                $"{minutes.Sum(m => m.Latencies.Length + m.Failed):N0}, processes gone: " +
                $"{string.Join(", ", processes.Where(p => minutes.Any(m => m.Memory[p].Gone)).DefaultIfEmpty("none"))}): no conclusion about memory or latency.";
        }
        var third = minutes.Count / 3;
        var second = minutes.Skip(third).Take(third).ToList();
        var last = minutes.TakeLast(third).ToList();
        var lines = new List<string>
        {
            $"Second third: minutes {second[0].Number}–{second[^1].Number}; last third: minutes {last[0].Number}–{last[^1].Number}. " +
            "A process levelled off when its mean PSS grew by at most 16 MB or 5% from the one to the other.",
            "",
            "| process | PSS MB, minute 1 | mean PSS MB, second third | mean PSS MB, last third | growth | RSS MB at the end | levelled off |",
            "|---|---:|---:|---:|---:|---:|---|",
        };
        var growing = new List<string>();
        foreach (var process in processes)
        {
            var before = second.Average(m => m.Memory[process].Proportional);
            var after = last.Average(m => m.Memory[process].Proportional);
            var levelled = after - before <= Math.Max(16, before * 0.05);
            if (!levelled)
            {
                growing.Add(process);
            }
            lines.Add($"| {process} | {minutes[0].Memory[process].Proportional:N0} | {before:N0} | {after:N0} | {after - before:+#,0.0;-#,0.0;0} MB " +
                $"| {minutes[^1].Memory[process].Resident:N0} | {(levelled ? "yes" : "no")} |");
        }

        var (early, late) = (second.SelectMany(m => m.Latencies).ToArray(), last.SelectMany(m => m.Latencies).ToArray());
        var drifted = Percentiles.Of(late, 0.99) > Percentiles.Of(early, 0.99) * 1.5 + 10 || Percentiles.Of(late, 0.5) > Percentiles.Of(early, 0.5) * 1.5 + 5;
        lines.Add("");
        lines.Add($"Latency: second third p50/p95/p99 {Describe(early)} ms; last third {Describe(late)} ms: " +
            (drifted ? "it drifted (the last third's p99 over 1.5× + 10 ms, or p50 over 1.5× + 5 ms)." : "no drift."));
        lines.Add(growing.Count == 0 ? "Memory: every process levelled off." : $"Memory: still growing in the last third: {string.Join(", ", growing)}.");
        return string.Join(Environment.NewLine, lines);
    }

    private static string Describe(double[] latencies) => string.Join(" / ",
        new[] { 0.5, 0.95, 0.99 }.Select(p => Percentiles.Of(latencies, p).ToString("N1", CultureInfo.InvariantCulture)));
}
