using System.Globalization;

namespace Alle.Bench.Ingestion;

/// <param name="Rates">Single-call rates measured one after the other (<c>--rate 1000,3000</c>).</param>
/// <param name="TrackOnly">Measures only single calls (<c>--track-only</c>), skipping the batch scenarios.</param>
internal sealed record BenchOptions(int Seconds, IReadOnlyList<int> Rates, int Concurrency, int BatchSize, int WarmUpSeconds, bool IngestionAlone, bool TrackOnly)
{
    public static BenchOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var ingestionAlone = false;
        var trackOnly = false;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--ingestion-alone")
            {
                ingestionAlone = true;
            }
            else if (args[i] == "--track-only")
            {
                trackOnly = true;
            }
            else if (args[i].StartsWith("--", StringComparison.Ordinal) && i + 1 < args.Length)
            {
                values[args[i][2..]] = args[++i];
            }
            else
            {
                throw new ArgumentException($"Unexpected argument '{args[i]}'.");
            }
        }
        int Number(string name, string fallback) => int.Parse(values.GetValueOrDefault(name, fallback), CultureInfo.InvariantCulture);
        return new BenchOptions(
            Number("seconds", "20"),
            [.. values.GetValueOrDefault("rate", "1000").Split(',').Select(rate => int.Parse(rate, CultureInfo.InvariantCulture))],
            Number("concurrency", "16"),
            Number("batch-size", "100"),
            Number("warm-up-seconds", "10"),
            ingestionAlone,
            trackOnly);
    }
}

/// <summary>What the scenarios drive: the running application's write key, its warehouse and where CPU time goes.</summary>
internal sealed record BenchTarget(string WriteKey, string Warehouse, ResourceCpu Cpu);
