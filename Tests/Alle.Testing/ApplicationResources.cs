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
    private readonly ResourceLoggerService _logs;
    private readonly DistributedApplicationModel _model;
    private readonly ConcurrentDictionary<string, ResourceEvent> _latest = [];

    /// <summary>Starts following the resources' states; create it before the application starts.</summary>
    public ApplicationResources(DistributedApplication app)
    {
        _notifications = app.Services.GetRequiredService<ResourceNotificationService>();
        _commands = app.Services.GetRequiredService<ResourceCommandService>();
        _logs = app.Services.GetRequiredService<ResourceLoggerService>();
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
            throw new TimeoutException($"{name} did not become healthy within {timeout.TotalSeconds:0} s: {Describe()}\n{await RecentLogsAsync(name)}", exception);
        }
    }

    /// <summary>
    /// Stops every instance through the resource's own stop command, as the dashboard's button does. The orchestrator
    /// reports a stop as failed when the process takes longer than its short window to end; the stop still stands, so
    /// a failure counts only if the resource has not reached a final state a little later.
    /// </summary>
    public async Task StopAsync(string name)
    {
        var result = await _commands.ExecuteCommandAsync(this[name], KnownResourceCommands.StopCommand);
        if (result.Success)
        {
            return;
        }
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await _notifications.WaitForResourceAsync(name, e => KnownResourceStates.TerminalStates.Contains(e.Snapshot.State?.Text), deadline.Token);
        }
        catch (OperationCanceledException)
        {
            throw new InvalidOperationException($"Stop of {name} failed: {result.Message}\n{await RecentLogsAsync(name)}");
        }
    }

    public async Task StartAsync(string name)
    {
        var result = await _commands.ExecuteCommandAsync(this[name], KnownResourceCommands.StartCommand);
        if (!result.Success)
        {
            throw new InvalidOperationException($"Start of {name} failed: {result.Message}\n{await RecentLogsAsync(name)}");
        }
    }

    /// <summary>The last lines a resource wrote to its console, for failure messages.</summary>
    public async Task<string> RecentLogsAsync(string name, int lines = 40)
    {
        var tail = new Queue<string>();
        await foreach (var batch in _logs.GetAllAsync(this[name]))
        {
            foreach (var line in batch)
            {
                tail.Enqueue(line.Content);
                if (tail.Count > lines)
                {
                    tail.Dequeue();
                }
            }
        }
        return string.Join('\n', tail);
    }

    /// <summary>How many lines one instance (a resource id from <see cref="Instances"/>) has written that contain <paramref name="text"/>.</summary>
    public async Task<int> CountLogLinesAsync(string resourceId, string text)
    {
        var count = 0;
        await foreach (var batch in _logs.GetAllAsync(resourceId))
        {
            count += batch.Count(line => line.Content.Contains(text, StringComparison.Ordinal));
        }
        return count;
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
