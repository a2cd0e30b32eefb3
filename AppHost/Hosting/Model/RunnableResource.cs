namespace Alle.Hosting;

/// <summary>A resource the orchestrator runs as one or more processes, probes for health and restarts when it crashes.</summary>
public abstract class RunnableResource(string name) : Resource(name)
{
    /// <summary>A short word for the dashboard: postgres, redis, rabbitmq, project, executable.</summary>
    public abstract string Kind { get; }

    public List<EndpointAnnotation> EndpointList { get; } = [];

    public virtual int Replicas => 1;

    /// <summary>Set when configuration points this resource at an existing server: nothing is started, it is only probed.</summary>
    public bool IsExternal { get; protected set; }

    /// <summary>How long the process gets to stop after its stop signal before it is killed.</summary>
    public virtual TimeSpan StopTimeout => TimeSpan.FromSeconds(10);

    /// <summary>Throws <see cref="MissingServerException"/> when a program this resource needs is not installed.</summary>
    internal virtual void EnsureInstalled(Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
    }

    /// <summary>Reads configuration and decides what to run; ports are allocated after this is called.</summary>
    internal virtual void Configure(RunContext context)
    {
    }

    /// <summary>One-off preparation before the first start: folders, cluster initialisation, binaries.</summary>
    internal virtual Task PrepareAsync(RunContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    internal abstract ProcessSpec CreateProcess(RunContext context, int replica);

    internal abstract Task<HealthResult> CheckHealthAsync(int replica, CancellationToken cancellationToken);

    /// <summary>Runs once, the first time every replica is healthy (e.g. creating databases).</summary>
    internal virtual Task OnFirstHealthyAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Links the dashboard shows.</summary>
    internal virtual IEnumerable<string> DisplayEndpoints() =>
        EndpointList.SelectMany(e => e.AllocatedPorts.Select(p => $"{e.Scheme}://127.0.0.1:{p}"));
}

/// <summary>How to start one process of a resource.</summary>
internal sealed record ProcessSpec(
    string FileName,
    IReadOnlyList<string> Arguments,
    string WorkingDirectory,
    IReadOnlyDictionary<string, string> Environment,
    string? RunAsUser = null,
    int StopSignal = ProcessSignals.SIGTERM);

internal enum HealthStatus
{
    Unknown,
    Healthy,
    Unhealthy,
}

internal sealed record HealthResult(HealthStatus Status, string? Description = null)
{
    public static readonly HealthResult Healthy = new(HealthStatus.Healthy);

    public static HealthResult Unhealthy(string description) => new(HealthStatus.Unhealthy, description);
}
