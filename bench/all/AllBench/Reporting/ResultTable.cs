using System.Globalization;

namespace Alle.Bench.All.Reporting;

/// <summary>
/// One figure of the run beside the baseline measured in the same run. <see cref="Ratio"/> is the figure over the
/// baseline: for rates, the share of the raw server's rate the application reaches; for latencies, how many times
/// Kestrel's floor it takes.
/// </summary>
internal sealed record Result(string Scenario, string Figure, double? Value, string Unit, string Target, double? Baseline, string BaselineName, bool? Passed)
{
    public double? Ratio => Value is { } value && Baseline is { } baseline && baseline > 0 ? value / baseline : null;
}

internal static class ResultTable
{
    public static string Markdown(IEnumerable<Result> results)
    {
        var lines = new List<string>
        {
            "| scenario | figure | value | target | same-run baseline | ratio | result |",
            "|---|---|---:|---|---|---:|---|",
        };
        lines.AddRange(results.Select(r =>
            $"| {r.Scenario} | {r.Figure} | {Format(r.Value)} {r.Unit} | {r.Target} | {(r.Baseline is { } b ? $"{r.BaselineName} {Format(b)}" : "–")} " +
            $"| {(r.Ratio is { } ratio ? ratio.ToString("0.00", CultureInfo.InvariantCulture) : "–")} | {r.Passed switch { true => "PASS", false => "FAIL", null => "" }} |"));
        return string.Join(Environment.NewLine, lines);
    }

    /// <summary>Cores busy on average per process during each scenario.</summary>
    public static string Cores(IReadOnlyList<(string Scenario, Dictionary<string, double> Cores)> rows)
    {
        var groups = rows.SelectMany(r => r.Cores.Where(c => c.Value >= 0.005).Select(c => c.Key)).Distinct().Order(StringComparer.Ordinal).ToList();
        var lines = new List<string>
        {
            "| scenario | " + string.Join(" | ", groups) + " | all |",
            "|---|" + string.Concat(groups.Select(_ => "---:|")) + "---:|",
        };
        lines.AddRange(rows.Select(r => $"| {r.Scenario} | " + string.Join(" | ", groups.Select(g => r.Cores.GetValueOrDefault(g).ToString("0.00", CultureInfo.InvariantCulture)))
            + $" | {r.Cores.Values.Sum().ToString("0.00", CultureInfo.InvariantCulture)} |"));
        return string.Join(Environment.NewLine, lines);
    }

    public static string Format(double? value) => value switch
    {
        null => "–",
        >= 100 => value.Value.ToString("N0", CultureInfo.InvariantCulture),
        >= 10 => value.Value.ToString("0.0", CultureInfo.InvariantCulture),
        _ => value.Value.ToString("0.00", CultureInfo.InvariantCulture),
    };
}
