using System.Collections.Concurrent;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Alle.Testing;

/// <summary>One running process of a resource, as the orchestrator reports it.</summary>
/// <param name="ProcessId">The program's own process: for a project, the service under <c>dotnet run</c>.</param>
/// <param name="DirectUrl">Where this very instance listens (<c>ASPNETCORE_URLS</c>), past the orchestrator's proxy that spreads calls over replicas.</param>
public sealed record ResourceInstance(string ResourceId, string? State, HealthStatus? Health, int Restarts, int ProcessId, Uri? DirectUrl);

/// <summary>The application's resources through Aspire's notification and command services: states, waits, stop and start.</summary>
public sealed class ApplicationResources
{
    private const string RestartsProperty = "alle.restarts";
    private readonly ResourceNotificationService _notifications;
    private readonly ResourceCommandService _commands;
    private readonly DistributedApplicationModel _model;
    private readonly ConcurrentDictionary<string, ResourceEvent> _latest = [];

    /// <summary>Starts following the resources' states; create it before the application starts.</summary>
    public ApplicationResources(DistributedApplication app)
    {
        _notifications = app.Services.GetRequiredService<ResourceNotificationService>();
        _commands = app.Services.GetRequiredService<ResourceCommandService>();
        _model = app.Services.GetRequiredService<DistributedApplicationModel>();
        _ = FollowAsync(app.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopped);
    }

    private async Task FollowAsync(CancellationToken stopped)
    {
        try
        {
            await foreach (var update in _notifications.WatchAsync(stopped))
            {
                _latest[update.ResourceId] = update;
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Every resource that reports health (servers, databases, services).</summary>
    public IEnumerable<IResource> Monitored => _model.Resources.Where(r => r.Name != "aspire-dashboard" && r.HasAnnotationOfType<HealthCheckAnnotation>());

    public IResource this[string name] => _model.Resources.SingleOrDefault(r => r.Name == name)
        ?? throw new ArgumentException($"No resource named '{name}'.", nameof(name));

    public Task WaitForAllHealthyAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(Monitored.Select(r => _notifications.WaitForResourceHealthyAsync(r.Name, cancellationToken)));

    public async Task WaitForHealthyAsync(string name, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _notifications.WaitForResourceHealthyAsync(name, deadline.Token);
        }
        catch (OperationCanceledException exception)
        {
            throw new TimeoutException($"{name} did not become healthy within {timeout.TotalSeconds:0} s: {Describe()}", exception);
        }
    }

    /// <summary>Stops every instance through the resource's own stop command, as the dashboard's button does.</summary>
    public Task StopAsync(string name) => ExecuteAsync(name, KnownResourceCommands.StopCommand);

    public Task StartAsync(string name) => ExecuteAsync(name, KnownResourceCommands.StartCommand);

    private async Task ExecuteAsync(string name, string command)
    {
        var result = await _commands.ExecuteCommandAsync(this[name], command);
        if (!result.Success)
        {
            throw new InvalidOperationException($"{command} of {name} failed: {result.Message}");
        }
    }

    /// <summary>The single instance of a resource that runs one.</summary>
    public ResourceInstance Instance(string name) => Instances(name) switch
    {
        [var single] => single,
        var all => throw new InvalidOperationException($"{name} runs {all.Count} instances."),
    };

    public IReadOnlyList<ResourceInstance> Instances(string name)
    {
        var resource = this[name];
        var instances = new List<ResourceInstance>();
        foreach (var current in _latest.Values.Where(e => e.Resource == resource).OrderBy(e => e.ResourceId, StringComparer.Ordinal))
        {
            var snapshot = current.Snapshot;
            var pid = snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value is int value ? value : 0;
            var restarts = snapshot.Properties.FirstOrDefault(p => p.Name == RestartsProperty)?.Value is int count ? count : 0;
            instances.Add(new ResourceInstance(current.ResourceId, snapshot.State?.Text, snapshot.HealthStatus, restarts,
                resource is ProjectResource && pid != 0 ? ProcessTree.OnlyChildOf(pid) : pid,
                snapshot.EnvironmentVariables.FirstOrDefault(v => v.Name == "ASPNETCORE_URLS")?.Value is { Length: > 0 } urls
                    ? new Uri(urls.Split(';')[0]) : null));
        }
        return instances;
    }

    public string Describe() => string.Join(", ", _latest.Values.Where(e => Monitored.Contains(e.Resource)).OrderBy(e => e.ResourceId, StringComparer.Ordinal)
        .Select(e => $"{e.ResourceId}={e.Snapshot.State?.Text}/{e.Snapshot.HealthStatus}"));
}
