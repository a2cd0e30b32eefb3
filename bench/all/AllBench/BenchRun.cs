using Alle.Bench.All.Measurement;
using Alle.Bench.All.Reporting;

namespace Alle.Bench.All;

/// <summary>
/// One run: the application, its queues' backlog, the baselines measured so far and every figure, with the cores each
/// process kept busy during each scenario.
/// </summary>
internal sealed class BenchRun(BenchApplication app, QueueDepths queues, AllOptions options)
{
    public BenchApplication App => app;

    public QueueDepths Queues => queues;

    public AllOptions Options => options;

    public SameRunBaselines Baselines { get; } = new();

    public List<Result> Results { get; } = [];

    public List<(string Scenario, Dictionary<string, double> Cores)> Cores { get; } = [];

    public Dictionary<string, double> Memory { get; set; } = [];

    /// <summary>The statements PostgreSQL spent the most time on during the end-to-end run, as a table.</summary>
    public string? Statements { get; set; }

    public TimeSpan ScenarioDuration => TimeSpan.FromSeconds(options.ScenarioSeconds);

    /// <summary>Runs <paramref name="measure"/> and records the cores each process used on average meanwhile.</summary>
    public async Task<T> MeasureCoresAsync<T>(string scenario, Func<Task<T>> measure)
    {
        var before = app.Cpu.Sample();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = await measure();
        Cores.Add((scenario, app.Cpu.Since(before, clock.Elapsed)));
        return result;
    }

    public void Add(Result result)
    {
        Results.Add(result);
        Console.Error.WriteLine($"  {result.Scenario}: {result.Figure} = {ResultTable.Format(result.Value)} {result.Unit}");
    }
}

/// <summary>The same run's ceilings and floors.</summary>
internal sealed class SameRunBaselines
{
    public double? CopyRowsPerSecond { get; set; }

    public double? ClassicPublishesPerSecond { get; set; }

    public double? QuorumPublishesPerSecond { get; set; }

    /// <summary>Kestrel's <c>/alive</c> on a service, by request rate: p50, p95, p99 in ms.</summary>
    public Dictionary<int, (double P50, double P95, double P99)> Alive { get; } = [];
}
