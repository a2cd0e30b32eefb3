using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Alle.Hosting;

/// <summary>
/// Brings the resource graph up and down: state folder and credentials, ports, then every resource as soon as what it
/// waits for is healthy; at shutdown, each resource stops only after everything that waits for it has stopped.
/// </summary>
internal sealed class Orchestrator : IHostedService
{
    private readonly DistributedApplicationModel _model;
    private readonly AppHostOptions _options;
    private readonly IConfiguration _configuration;
    private readonly ConsoleReporter _reporter;
    private readonly StateStore _state;
    private readonly RunContext _context;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<ResourceRunner> _runners = [];
    private Task _starting = Task.CompletedTask;

    public Orchestrator(DistributedApplicationModel model, AppHostOptions options, IConfiguration configuration, ILoggerFactory loggerFactory, ConsoleReporter reporter)
    {
        _model = model;
        _options = options;
        _configuration = configuration;
        _reporter = reporter;
        _state = new StateStore(options.StateDirectory);
        _context = new RunContext(options, configuration, loggerFactory);
    }

    public IReadOnlyList<ResourceRunner> Runners => _runners;

    /// <summary>Completes when every resource has been healthy; faults if one cannot start.</summary>
    public Task Ready => _ready.Task;

    internal StateStore State => _state;

    public ResourceRunner? Find(string name) => _runners.FirstOrDefault(r => r.Resource.Name == name);

    public IEnumerable<ResourceSnapshot> Snapshots()
    {
        foreach (var resource in _model.Resources)
        {
            switch (resource)
            {
                case RunnableResource runnable:
                    yield return Find(runnable.Name)!.Snapshot();
                    break;
                case IResourceWithParent child when Find(child.Parent.Name) is { } parent:
                    var snapshot = parent.Snapshot(parent: child.Parent.Name);
                    yield return snapshot with
                    {
                        Name = child.Name,
                        Kind = $"{parent.Resource.Kind} database",
                        Endpoints = [],
                        Pids = [],
                        WaitsFor = [child.Parent.Name],
                    };
                    break;
            }
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _state.Initialize(_options.Reset);
        foreach (var leftover in _state.KillLeftovers())
        {
            _reporter.Note($"stopped {leftover}, left running by an earlier run");
        }

        _state.ResolveParameters(_model.Resources.OfType<ParameterResource>(), name => _configuration[$"Parameters:{name}"]);
        foreach (var database in _model.Resources.OfType<PostgresDatabaseResource>())
        {
            database.Context = _context;
        }

        var runnables = _model.Resources.OfType<RunnableResource>().ToList();
        foreach (var resource in runnables)
        {
            resource.Configure(_context);
        }
        _state.AllocatePorts(runnables.Where(r => !r.IsExternal), _options.RandomPorts);

        foreach (var resource in runnables)
        {
            var log = new ResourceLog(Path.Combine(_state.LogsDirectory, $"{resource.Name}.log"));
            _runners.Add(new ResourceRunner(resource, _context, _state, log, _reporter.ResourceChanged));
        }

        _reporter.PrintHeader(_options, _model);
        _starting = Task.Run(() => StartAllAsync(_shutdown.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task StartAllAsync(CancellationToken shutdown)
    {
        var started = DateTimeOffset.UtcNow;
        try
        {
            await Task.WhenAll(_runners.Select(runner => runner.StartAsync(DependenciesOf(runner.Resource), shutdown)));
            await Task.WhenAll(_runners.Select(r => r.FirstHealthy)).WaitAsync(shutdown);
            _reporter.PrintReady(Snapshots().ToList(), DateTimeOffset.UtcNow - started);
            _ready.TrySetResult();
        }
        catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
        {
            _ready.TrySetCanceled(shutdown);
        }
        catch (Exception exception)
        {
            _reporter.Error($"the application could not start: {exception.Message}");
            _ready.TrySetException(exception);
        }
    }

    private IEnumerable<ResourceRunner> DependenciesOf(IResource resource) => resource.WaitsFor
        .Select(dependency => dependency is IResourceWithParent child ? child.Parent : dependency)
        .Select(dependency => Find(dependency.Name) ?? throw new InvalidOperationException($"'{resource.Name}' waits for '{dependency.Name}', which is not a running resource."));

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _shutdown.CancelAsync();
        try
        {
            await _starting;
        }
        catch (Exception exception) when (exception is OperationCanceledException or InvalidOperationException)
        {
        }

        // A resource stops once everything that waits for it has stopped: reverse dependency order, in parallel where possible.
        var stopped = new Dictionary<ResourceRunner, Task>();
        Task StopInOrder(ResourceRunner runner)
        {
            if (!stopped.TryGetValue(runner, out var task))
            {
                var dependents = _runners.Where(other => DependenciesOf(other.Resource).Contains(runner)).Select(StopInOrder).ToList();
                task = Task.WhenAll(dependents).ContinueWith(_ => runner.StopAsync(), TaskScheduler.Default).Unwrap();
                stopped[runner] = task;
            }
            return task;
        }
        await Task.WhenAll(_runners.Select(StopInOrder).ToList());

        foreach (var runner in _runners)
        {
            runner.Log.Dispose();
        }
        _reporter.Note("stopped");
    }
}
