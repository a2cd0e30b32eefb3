using System.Globalization;

namespace Alle.Bench.Ingestion;

internal sealed record BenchOptions(int Seconds, int Rate, int Concurrency, int BatchSize, int WarmUpSeconds, bool IngestionAlone)
{
    public static BenchOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var ingestionAlone = false;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--ingestion-alone")
            {
                ingestionAlone = true;
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
            Number("rate", "1000"),
            Number("concurrency", "16"),
            Number("batch-size", "100"),
            Number("warm-up-seconds", "10"),
            ingestionAlone);
    }
}

/// <summary>What the scenarios drive: the running application's write key, its warehouse and where CPU time goes.</summary>
internal sealed record BenchTarget(string WriteKey, string Warehouse, ResourceCpu Cpu);
