namespace Alle.Hosting;

[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<ResourceState>))]
public enum ResourceState
{
    NotStarted,
    Waiting,
    Starting,
    Running,
    Exited,
    Restarting,
    Stopping,
    Stopped,
    FailedToStart,
}

/// <summary>What the dashboard and the console show of a resource.</summary>
public sealed record ResourceSnapshot(
    string Name,
    string Kind,
    ResourceState State,
    string Health,
    string? HealthDescription,
    IReadOnlyList<string> Endpoints,
    int RestartCount,
    IReadOnlyList<int> Pids,
    IReadOnlyList<string> WaitsFor,
    string? Parent,
    bool IsExternal,
    int? LastExitCode);

/// <summary>
/// Runs one resource: waits for its dependencies, starts its replicas, probes their health, restarts a crashed
/// replica with exponential backoff, and stops them on request or at shutdown.
/// </summary>
internal sealed class ResourceRunner
{
    private static readonly TimeSpan s_maxBackoff = TimeSpan.FromSeconds(30);
    private readonly RunContext _context;
    private readonly StateStore _state;
    private readonly Action<ResourceRunner> _onChange;
    private readonly Replica[] _replicas;
    private readonly TaskCompletionSource _firstHealthy = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _control = new(1, 1);
    private CancellationTokenSource _run = new();
    private bool _prepared;
    private bool _firstHealthyHandled;
    private ResourceState _state0 = ResourceState.NotStarted;

    public ResourceRunner(RunnableResource resource, RunContext context, StateStore state, ResourceLog log, Action<ResourceRunner> onChange)
    {
        Resource = resource;
        Log = log;
        _context = context;
        _state = state;
        _onChange = onChange;
        _replicas = Enumerable.Range(0, resource.Replicas).Select(i => new Replica(i)).ToArray();
    }

    public RunnableResource Resource { get; }
    public ResourceLog Log { get; }
    public int RestartCount { get; private set; }

    /// <summary>Completes the first time every replica reports healthy; what waits for this resource waits for this.</summary>
    public Task FirstHealthy => _firstHealthy.Task;

    public ResourceState State => Resource.IsExternal && _state0 == ResourceState.Running ? ResourceState.Running : _state0;

    public HealthStatus Health => _replicas.All(r => r.Health.Status == HealthStatus.Healthy) ? HealthStatus.Healthy
        : _replicas.Any(r => r.Health.Status == HealthStatus.Unhealthy) ? HealthStatus.Unhealthy : HealthStatus.Unknown;

    public ResourceSnapshot Snapshot(string? parent = null) => new(
        Resource.Name,
        Resource.Kind,
        State,
        Health.ToString(),
        _replicas.Select(r => r.Health.Description).FirstOrDefault(d => d is not null),
        [.. Resource.DisplayEndpoints()],
        RestartCount,
        [.. _replicas.Select(r => r.Process?.Pid).OfType<int>()],
        [.. Resource.WaitsFor.Select(w => w.Name)],
        parent,
        Resource.IsExternal,
        _replicas.Select(r => r.LastExitCode).FirstOrDefault(c => c is not null));

    /// <summary>Waits for <paramref name="dependencies"/>, then starts; returns once the replicas are launched.</summary>
    public async Task StartAsync(IEnumerable<ResourceRunner> dependencies, CancellationToken shutdown)
    {
        SetState(ResourceState.Waiting);
        await Task.WhenAll(dependencies.Select(d => d.FirstHealthy)).WaitAsync(shutdown);

        SetState(ResourceState.Starting);
        if (!_prepared)
        {
            try
            {
                await Resource.PrepareAsync(_context, shutdown);
                _prepared = true;
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                Log.Write(0, true, $"Preparation failed: {exception.Message}");
                SetState(ResourceState.FailedToStart);
                throw;
            }
        }

        await _control.WaitAsync(shutdown);
        try
        {
            LaunchReplicas();
        }
        finally
        {
            _control.Release();
        }

        _ = ProbeHealthAsync(shutdown);
    }

    public async Task StopAsync()
    {
        await _control.WaitAsync();
        try
        {
            await StopReplicasAsync();
        }
        finally
        {
            _control.Release();
        }
    }

    /// <summary>Starts a resource the dashboard stopped.</summary>
    public async Task ResumeAsync()
    {
        await _control.WaitAsync();
        try
        {
            if (_replicas.All(r => r.Supervision is null || r.Supervision.IsCompleted))
            {
                LaunchReplicas();
            }
        }
        finally
        {
            _control.Release();
        }
    }

    public async Task RestartAsync()
    {
        await _control.WaitAsync();
        try
        {
            await StopReplicasAsync();
            RestartCount++;
            LaunchReplicas();
        }
        finally
        {
            _control.Release();
        }
    }

    private void LaunchReplicas()
    {
        _run = new CancellationTokenSource();
        if (Resource.IsExternal)
        {
            SetState(ResourceState.Running);
            return;
        }
        foreach (var replica in _replicas)
        {
            replica.Supervision = SuperviseAsync(replica, _run.Token);
        }
    }

    private async Task StopReplicasAsync()
    {
        if (Resource.IsExternal || _replicas.All(r => r.Supervision is null || r.Supervision.IsCompleted))
        {
            _run.Cancel();
            if (_state0 is not ResourceState.NotStarted and not ResourceState.Waiting)
            {
                SetState(ResourceState.Stopped);
            }
            return;
        }
        SetState(ResourceState.Stopping);
        await _run.CancelAsync();
        await Task.WhenAll(_replicas.Select(r => r.Supervision ?? Task.CompletedTask));
        SetState(ResourceState.Stopped);
    }

    private async Task SuperviseAsync(Replica replica, CancellationToken stop)
    {
        var backoff = TimeSpan.FromSeconds(1);
        while (!stop.IsCancellationRequested)
        {
            ManagedProcess process;
            try
            {
                process = ManagedProcess.Start(Resource.CreateProcess(_context, replica.Index), (isError, line) => Log.Write(replica.Index, isError, line));
            }
            catch (Exception exception) when (exception is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
            {
                Log.Write(replica.Index, true, $"Could not start: {exception.Message}");
                SetState(ResourceState.FailedToStart);
                if (!await DelayAsync(backoff, stop))
                {
                    return;
                }
                backoff = Next(backoff);
                continue;
            }

            replica.Process = process;
            replica.Health = new HealthResult(HealthStatus.Unknown);
            _state.RecordProcess(Resource.Name, process.Pid);
            SetState(ResourceState.Running);
            var startedAt = DateTimeOffset.UtcNow;

            try
            {
                await process.WaitForExitAsync(stop);
            }
            catch (OperationCanceledException)
            {
                await process.StopAsync(Resource.StopTimeout);
                Finish(replica, process);
                return;
            }

            // The process ended without being asked to: restart it, more slowly each time it keeps failing.
            Finish(replica, process);
            replica.Health = HealthResult.Unhealthy($"Exited with code {replica.LastExitCode}.");
            Log.Write(replica.Index, true, $"Exited with code {replica.LastExitCode}; restarting in {backoff.TotalSeconds:0} s.");
            SetState(ResourceState.Exited);
            if (DateTimeOffset.UtcNow - startedAt > TimeSpan.FromMinutes(1))
            {
                backoff = TimeSpan.FromSeconds(1);
            }
            if (!await DelayAsync(backoff, stop))
            {
                return;
            }
            backoff = Next(backoff);
            RestartCount++;
            SetState(ResourceState.Restarting);
        }
    }

    private void Finish(Replica replica, ManagedProcess process)
    {
        replica.LastExitCode = process.ExitCode;
        replica.Process = null;
        replica.Health = new HealthResult(HealthStatus.Unknown);
        _state.ForgetProcess(process.Pid);
        process.Dispose();
    }

    private async Task ProbeHealthAsync(CancellationToken shutdown)
    {
        while (!shutdown.IsCancellationRequested)
        {
            var changed = false;
            foreach (var replica in _replicas)
            {
                if (!Resource.IsExternal && replica.Process is null)
                {
                    continue;
                }
                var health = await Resource.CheckHealthAsync(replica.Index, shutdown).ConfigureAwait(false);
                changed |= health.Status != replica.Health.Status;
                replica.Health = health;
            }

            if (Health == HealthStatus.Healthy && !_firstHealthyHandled)
            {
                try
                {
                    await Resource.OnFirstHealthyAsync(shutdown);
                    _firstHealthyHandled = true;
                    _firstHealthy.TrySetResult();
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    Log.Write(0, true, $"Post-start step failed: {exception.Message}");
                }
            }

            if (changed)
            {
                _onChange(this);
            }

            try
            {
                var interval = Health == HealthStatus.Healthy ? TimeSpan.FromSeconds(5) : _firstHealthyHandled ? TimeSpan.FromSeconds(1) : TimeSpan.FromMilliseconds(250);
                await Task.Delay(interval, shutdown);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void SetState(ResourceState state)
    {
        if (_state0 != state)
        {
            _state0 = state;
            _onChange(this);
        }
    }

    private static TimeSpan Next(TimeSpan backoff) => backoff * 2 > s_maxBackoff ? s_maxBackoff : backoff * 2;

    private static async Task<bool> DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, cancellationToken);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private sealed class Replica(int index)
    {
        public int Index { get; } = index;
        public ManagedProcess? Process { get; set; }
        public HealthResult Health { get; set; } = new(HealthStatus.Unknown);
        public int? LastExitCode { get; set; }
        public Task? Supervision { get; set; }
    }
}
