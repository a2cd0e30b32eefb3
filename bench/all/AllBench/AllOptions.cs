using System.Globalization;

namespace Alle.Bench.All;

/// <summary>The command line of bench/run.sh.</summary>
internal sealed record AllOptions(int Seconds, int ScenarioSeconds, int Rate, int Replicas, IReadOnlySet<string> Only)
{
    public static readonly string[] Scenarios = ["baselines", "end-to-end", "track", "check-in", "profiles"];

    public bool Runs(string scenario) => Only.Count == 0 || Only.Contains(scenario);

    public static AllOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new ArgumentException($"Unexpected argument '{args[i]}'. Options: --seconds N --scenario-seconds N --rate N --replicas N --only a,b");
            }
            values[args[i][2..]] = args[++i];
        }
        int Number(string name, int fallback) => values.TryGetValue(name, out var text) ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;
        var only = values.TryGetValue("only", out var list)
            ? list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal)
            : [];
        if (only.Except(Scenarios).ToList() is { Count: > 0 } unknown)
        {
            throw new ArgumentException($"Unknown scenario(s) {string.Join(", ", unknown)}; known: {string.Join(", ", Scenarios)}.");
        }
        return new AllOptions(Number("seconds", 300), Number("scenario-seconds", 30), Number("rate", 10_000), Number("replicas", 1), only);
    }
}
