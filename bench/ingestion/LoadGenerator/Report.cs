using System.Globalization;

namespace Alle.Bench.Ingestion;

internal sealed record ScenarioResult(
    string Scenario,
    string Via,
    long Requests,
    long Events,
    long Failures,
    double EventsPerSecond,
    double P50Milliseconds,
    double P99Milliseconds,
    double MaxMilliseconds,
    double? WarehouseEventsPerSecond,
    Dictionary<string, double> CoresByProcess,
    Dictionary<string, long> FailureKinds);

internal static class Report
{
    public static void Print(IReadOnlyList<ScenarioResult> results)
    {
        var invariant = CultureInfo.InvariantCulture;
        Console.WriteLine();
        Console.WriteLine("| scenario | via | requests acknowledged | events acknowledged | failures | events/s durable | p50 ms | p99 ms | max ms | events/s into warehouse |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            Console.WriteLine(string.Format(invariant, "| {0} | {1} | {2:N0} | {3:N0} | {4:N0} | {5:N0} | {6:0.0} | {7:0.0} | {8:0.0} | {9} |",
                r.Scenario, r.Via, r.Requests, r.Events,
                r.Failures == 0 ? "0" : $"{r.Failures:N0} ({string.Join(", ", r.FailureKinds.Select(k => $"{k.Key}: {k.Value:N0}"))})", r.EventsPerSecond, r.P50Milliseconds, r.P99Milliseconds, r.MaxMilliseconds,
                r.WarehouseEventsPerSecond is { } w ? w.ToString("N0", invariant) : "–"));
        }

        var gateway = results.FirstOrDefault(r => r.Scenario.StartsWith("batch", StringComparison.Ordinal) && r.Via == "gateway");
        var direct = results.FirstOrDefault(r => r.Scenario.StartsWith("batch", StringComparison.Ordinal) && r.Via == "direct");
        if (gateway is not null && direct is not null)
        {
            Console.WriteLine();
            Console.WriteLine(string.Format(invariant, "gateway/direct throughput ratio (batches): {0:0.00}", gateway.EventsPerSecond / direct.EventsPerSecond));
        }

        Console.WriteLine();
        Console.WriteLine($"Cores busy on average per resource during each scenario ({Environment.ProcessorCount} cores in all):");
        var groups = results.SelectMany(r => r.CoresByProcess.Keys).Distinct().Order().ToList();
        Console.WriteLine("| scenario | via | " + string.Join(" | ", groups) + " |");
        Console.WriteLine("|---|---|" + string.Concat(groups.Select(_ => "---:|")));
        foreach (var r in results)
        {
            Console.WriteLine($"| {r.Scenario} | {r.Via} | " + string.Join(" | ", groups.Select(g => r.CoresByProcess.GetValueOrDefault(g).ToString("0.00", invariant))) + " |");
        }
    }
}
