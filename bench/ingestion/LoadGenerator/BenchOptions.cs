namespace Alle.Bench.Ingestion;

internal sealed record BenchOptions(Uri Gateway, Uri Direct, string WriteKey, string Warehouse, int AppHostPid, int Seconds, int Rate, int Concurrency, int BatchSize, int WarmUpSeconds)
{
    public static BenchOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            values[args[i].TrimStart('-')] = args[i + 1];
        }
        string Required(string name) => values.TryGetValue(name, out var value) ? value : throw new ArgumentException($"--{name} is required");
        return new BenchOptions(
            new Uri(Required("gateway")),
            new Uri(Required("direct")),
            Required("write-key"),
            Required("warehouse"),
            int.Parse(Required("apphost-pid"), System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(values.GetValueOrDefault("seconds", "20"), System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(values.GetValueOrDefault("rate", "1000"), System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(values.GetValueOrDefault("concurrency", "16"), System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(values.GetValueOrDefault("batch-size", "100"), System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(values.GetValueOrDefault("warm-up-seconds", "10"), System.Globalization.CultureInfo.InvariantCulture));
    }
}
