using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Alle.AppHost.Supervision;

/// <summary>Marks a resource whose process is started again when it exits without being asked to stop.</summary>
public sealed class RestartOnCrashAnnotation : IResourceAnnotation;

public static class CrashRestartExtensions
{
    public const string RestartsProperty = "alle.restarts";

    public static IResourceBuilder<T> RestartOnCrash<T>(this IResourceBuilder<T> builder) where T : IResource =>
        builder.WithAnnotation(new RestartOnCrashAnnotation(), ResourceAnnotationMutationBehavior.Replace);

    /// <summary>
    /// Aspire does not restart a process that exits on its own: this does, for every resource marked
    /// <see cref="RestartOnCrash{T}"/>, with a backoff of 1 s doubling to 30 s (reset after a minute of running), through
    /// the resource's own start command, so the dashboard shows it as it happens.
    /// </summary>
    public static IDistributedApplicationBuilder RestartCrashedResources(this IDistributedApplicationBuilder builder)
    {
        if (builder.ExecutionContext.IsRunMode)
        {
            builder.Services.TryAddSingleton(TimeProvider.System);
            builder.Services.AddHostedService<CrashRestarter>();
        }
        return builder;
    }
}

/// <summary>Watches every resource marked <see cref="RestartOnCrashAnnotation"/> and starts a crashed replica again.</summary>
internal sealed class CrashRestarter(
    ResourceNotificationService notifications,
    ResourceCommandService commands,
    ResourceLoggerService logs,
    IHostApplicationLifetime lifetime,
    TimeProvider clock) : EarlyBackgroundService
{
    private readonly Dictionary<string, CrashWatch> _replicas = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lifetime.ApplicationStopping);
        try
        {
            await foreach (var update in notifications.WatchAsync(stopping.Token))
            {
                if (!update.Resource.HasAnnotationOfType<RestartOnCrashAnnotation>() || stopping.IsCancellationRequested)
                {
                    continue;
                }
                if (!_replicas.TryGetValue(update.ResourceId, out var watch))
                {
                    _replicas[update.ResourceId] = watch = new CrashWatch();
                }
                if (watch.Observe(update.Snapshot.State?.Text, clock.GetUtcNow()) is { } delay)
                {
                    _ = RestartAsync(update.Resource, update.ResourceId, update.Snapshot.ExitCode, delay, watch.Restarts, stopping.Token);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    private async Task RestartAsync(IResource resource, string resourceId, int? exitCode, TimeSpan delay, int restarts, CancellationToken stopping)
    {
        var logger = logs.GetLogger(resourceId);
        logger.LogWarning("Exited with code {ExitCode} without being asked to stop; restarting in {Delay} s (restart {Restarts}).",
            exitCode, delay.TotalSeconds, restarts);
        try
        {
            await Task.Delay(delay, clock, stopping);
            // Someone may have started or stopped it meanwhile.
            if (notifications.TryGetCurrentState(resourceId, out var current) && !CrashWatch.IsEnd(current.Snapshot.State?.Text))
            {
                return;
            }
            await notifications.PublishUpdateAsync(resource, resourceId, snapshot => snapshot with
            {
                Properties = [.. snapshot.Properties.Where(p => p.Name != CrashRestartExtensions.RestartsProperty),
                    new ResourcePropertySnapshot(CrashRestartExtensions.RestartsProperty, restarts) { DisplayName = "Restarts" }],
            });
            var result = await commands.ExecuteCommandAsync(resourceId, KnownResourceCommands.StartCommand, stopping);
            if (!result.Success)
            {
                logger.LogError("Restart failed: {Reason}", result.Message);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }
}

/// <summary>
/// One replica's crash bookkeeping, from the states the orchestrator reports. A crash is going from "Running" to an end
/// state without passing through "Stopping" (which the stop command and the AppHost's shutdown go through); a start this
/// asked for that fails is tried again. Each calls for a restart after a backoff of 1 s doubling to 30 s, back to 1 s
/// once the replica has run for a minute.
/// </summary>
public sealed class CrashWatch
{
    public static readonly TimeSpan FirstDelay = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan HealthyRun = TimeSpan.FromMinutes(1);

    private string? _lastState;
    private bool _stopRequested;
    private bool _restarting;
    private DateTimeOffset _runningSince;
    private TimeSpan _nextDelay = FirstDelay;

    public int Restarts { get; private set; }

    /// <summary>Takes the replica's new state; answers the delay after which to start it again, when it crashed.</summary>
    public TimeSpan? Observe(string? state, DateTimeOffset now)
    {
        if (state == _lastState)
        {
            return null;
        }
        var previous = _lastState;
        _lastState = state;

        if (state == KnownResourceStates.Stopping)
        {
            _stopRequested = true;
        }
        else if (state == KnownResourceStates.Running)
        {
            _stopRequested = false;
            _restarting = false;
            _runningSince = now;
        }
        else if (IsEnd(state) && (previous == KnownResourceStates.Running || _restarting) && !_stopRequested)
        {
            if (previous == KnownResourceStates.Running && now - _runningSince >= HealthyRun)
            {
                _nextDelay = FirstDelay;
            }
            var delay = _nextDelay;
            _nextDelay = delay * 2 > MaxDelay ? MaxDelay : delay * 2;
            Restarts++;
            _restarting = true;
            return delay;
        }
        return null;
    }

    public static bool IsEnd(string? state) =>
        state == KnownResourceStates.Finished || state == KnownResourceStates.Exited || state == KnownResourceStates.FailedToStart;
}
