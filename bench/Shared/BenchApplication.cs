using System.Diagnostics;
using System.Globalization;
using Alle.Testing;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Alle.Bench;

/// <summary>
/// The whole application for a load generator, started in its own process from the AppHost's graph by Aspire's testing
/// builder, through the tests' <see cref="DistributedAppFixture"/>: a fresh state folder under /var/tmp/alle-tests,
/// random ports, credentials of its own, Aspire's dashboard as in development; everything stopped and the state folder
/// deleted by <see cref="DistributedAppFixture.DisposeAsync"/>. Projects run in the configuration they were built in:
/// the load generators are built in Release, so the AppHost and the services are too.
/// </summary>
internal sealed class BenchApplication : DistributedAppFixture
{
    private readonly Action<IDistributedApplicationTestingBuilder>? _configure;
    private readonly IReadOnlyList<string> _appHostArguments;

    private BenchApplication(Action<IDistributedApplicationTestingBuilder>? configure, IReadOnlyList<string> appHostArguments)
    {
        _configure = configure;
        _appHostArguments = appHostArguments;
        Cpu = new ResourceCpu(this);
    }

    protected override IEnumerable<string> AppHostArguments => _appHostArguments;

    /// <summary>CPU time per resource, from /proc.</summary>
    public ResourceCpu Cpu { get; }

    /// <summary>
    /// The testing builder logs to the console, the resources' own output included (a line per request under load):
    /// a benchmark's output keeps to its progress and its table, and its process spends nothing on writing logs.
    /// Warnings and errors of the AppHost itself still show.
    /// </summary>
    protected override void ConfigureApplication(IDistributedApplicationTestingBuilder builder)
    {
        builder.Services.AddLogging(logging => logging
            .SetMinimumLevel(LogLevel.Warning)
            .AddFilter("Aspire", LogLevel.Warning)
            // Its one warning says there is no development certificate: the dashboard speaks plain HTTP on loopback here.
            .AddFilter("Aspire.Hosting.Dcp.DcpHost", LogLevel.Error)
            .AddFilter("Microsoft", LogLevel.Warning)
            .AddFilter("Alle.AppHost.Resources", LogLevel.None));
        _configure?.Invoke(builder);
    }

    /// <summary>
    /// Starts the application and waits until every resource is healthy; on failure stops what started.
    /// <paramref name="configure"/> changes the graph first (a service's settings for this benchmark);
    /// <paramref name="appHostArguments"/> go to the AppHost (e.g. <c>--AppHost:Replicas:profiles=2</c>).
    /// </summary>
    public static async Task<BenchApplication> StartAsync(Action<IDistributedApplicationTestingBuilder>? configure = null, IReadOnlyList<string>? appHostArguments = null)
    {
        var app = new BenchApplication(configure, appHostArguments ?? []);
        Console.Error.WriteLine($"starting the application (state in {app.StateDirectory})…");
        var clock = Stopwatch.StartNew();
        try
        {
            await app.InitializeAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
        Console.Error.WriteLine($"the application is healthy after {clock.Elapsed.TotalSeconds:0} s (gateway {app.Endpoint("gateway")})");
        return app;
    }

    /// <summary>
    /// Stops the application (<see cref="DistributedAppFixture.DisposeAsync"/>: every resource, then its state folder),
    /// then waits for Aspire's orchestrator to exit and deletes what is left of the state folder, so nothing of this run
    /// is left when the load generator ends.
    /// </summary>
    public async Task StopAsync()
    {
        Console.Error.WriteLine("stopping the application…");
        var orchestrator = ResourceCpu.OrchestratorProcesses();
        await DisposeAsync();
        var deadline = Stopwatch.StartNew();
        while (orchestrator.Any(ProcessTree.IsAlive) && deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(200);
        }
        // A server still writing while the fixture deleted the folder leaves some of it behind.
        if (Directory.Exists(StateDirectory))
        {
            Directory.Delete(StateDirectory, recursive: true);
        }
    }

    /// <summary>
    /// Writes what each resource wrote to its console (as much as Aspire keeps of it) to <c>{directory}/{resource}.log</c>,
    /// so a run that went wrong can be read after the application and its state folder are gone.
    /// </summary>
    public async Task SaveLogsAsync(string directory)
    {
        Directory.CreateDirectory(directory);
        var logs = App.Services.GetRequiredService<ResourceLoggerService>();
        foreach (var resource in App.Services.GetRequiredService<DistributedApplicationModel>().Resources)
        {
            var lines = new List<string>();
            await foreach (var batch in logs.GetAllAsync(resource))
            {
                lines.AddRange(batch.Select(line => line.Content));
            }
            if (lines.Count > 0)
            {
                await File.WriteAllLinesAsync(Path.Combine(directory, $"{resource.Name}.log"), lines);
            }
        }
    }

    /// <summary>
    /// Stops services through their own stop command, as the dashboard's button does, and waits until each one's
    /// processes are gone, so what is measured afterwards runs without them.
    /// </summary>
    public async Task StopServicesAsync(params string[] names)
    {
        foreach (var name in names)
        {
            var pids = Resources.Instances(name).Select(i => i.ProcessId).Where(pid => pid != 0).ToList();
            await Resources.StopAsync(name);
            var deadline = Stopwatch.StartNew();
            while (pids.Any(ProcessTree.IsAlive) || Resources.Instances(name).Any(i => i.State == KnownResourceStates.Running))
            {
                if (deadline.Elapsed > TimeSpan.FromSeconds(60))
                {
                    throw new TimeoutException($"{name} did not stop within 60 s: {Resources.Describe()}");
                }
                await Task.Delay(200);
            }
        }
    }
}

/// <summary>
/// Where the CPU goes: CPU seconds (user + system, from /proc) per resource of the application — its instances' processes
/// and their children (a server's wrapper shell, the server and its workers) — plus Aspire's orchestrator (DCP, which
/// detaches from the AppHost and watches it by pid, with the <c>dotnet run</c> wrappers it starts projects under) and
/// this process, which runs the load and hosts the AppHost. Other programs on the machine are not counted.
/// </summary>
internal sealed class ResourceCpu(DistributedAppFixture app)
{
    public const string Generator = "load generator + AppHost";
    public const string Orchestrator = "dcp";
    private const double TicksPerSecond = 100; // USER_HZ on Linux

    /// <summary>CPU seconds used so far by each group (a resource's name, <see cref="Orchestrator"/>, <see cref="Generator"/>).</summary>
    public Dictionary<string, double> Sample()
    {
        var processes = ProcessTree.Read();
        var children = processes.ToLookup(p => p.Value.Parent, p => p.Key);
        IEnumerable<int> Tree(int root)
        {
            var frontier = new Stack<int>([root]);
            while (frontier.TryPop(out var pid))
            {
                yield return pid;
                foreach (var child in children[pid])
                {
                    frontier.Push(child);
                }
            }
        }

        var seconds = new Dictionary<string, double>(StringComparer.Ordinal);
        var counted = new HashSet<int> { Environment.ProcessId };
        void Add(string group, IEnumerable<int> pids)
        {
            seconds[group] = seconds.GetValueOrDefault(group)
                + pids.Where(counted.Add).Sum(pid => processes.TryGetValue(pid, out var p) ? p.CpuTicks : 0) / TicksPerSecond;
        }

        foreach (var resource in app.App.Services.GetRequiredService<DistributedApplicationModel>().Resources)
        {
            // Only running processes: a stopped service or a finished one-off step gets no column.
            foreach (var instance in app.Resources.Instances(resource.Name).Where(i => processes.ContainsKey(i.ProcessId)))
            {
                Add(resource.Name, Tree(instance.ProcessId));
            }
        }
        Add(Orchestrator, ProcessTree.OrchestratorsOf(Environment.ProcessId).SelectMany(Tree).ToList());
        seconds[Generator] = processes.TryGetValue(Environment.ProcessId, out var self) ? self.CpuTicks / TicksPerSecond : 0;
        return seconds;
    }

    /// <summary>Aspire's orchestrator of this process's application and every process under it.</summary>
    public static IReadOnlyList<int> OrchestratorProcesses()
    {
        var roots = ProcessTree.OrchestratorsOf(Environment.ProcessId);
        return [.. roots, .. roots.SelectMany(ProcessTree.Descendants)];
    }

    /// <summary>Average cores used per group since <paramref name="before"/>.</summary>
    public Dictionary<string, double> Since(Dictionary<string, double> before, TimeSpan elapsed) =>
        Sample().ToDictionary(g => g.Key, g => (g.Value - before.GetValueOrDefault(g.Key)) / elapsed.TotalSeconds);
}
