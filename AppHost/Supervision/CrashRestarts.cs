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

/// <summary>
/// A crash is a replica going from running to finished without passing through "Stopping" (what the stop command and
/// the AppHost's own shutdown go through); each crash is answered by one start command after the backoff.
/// </summary>
internal sealed class CrashRestarter(
    ResourceNotificationService notifications,
    ResourceCommandService commands,
    ResourceLoggerService logs,
    IHostApplicationLifetime lifetime,
    TimeProvider clock) : EarlyBackgroundService
{
    private static readonly TimeSpan s_firstDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan s_maxDelay = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan s_healthyRun = TimeSpan.FromMinutes(1);
    private readonly Dictionary<string, Replica> _replicas = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lifetime.ApplicationStopping);
        try
        {
            await foreach (var update in notifications.WatchAsync(stopping.Token))
            {
                if (update.Resource.HasAnnotationOfType<RestartOnCrashAnnotation>())
                {
                    Observe(update, stopping.Token);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    private void Observe(ResourceEvent update, CancellationToken stopping)
    {
        if (!_replicas.TryGetValue(update.ResourceId, out var replica))
        {
            _replicas[update.ResourceId] = replica = new Replica();
        }
        var state = update.Snapshot.State?.Text;
        if (state == replica.LastState)
        {
            return;
        }
        var previous = replica.LastState;
        replica.LastState = state;

        if (state == KnownResourceStates.Stopping)
        {
            replica.StopRequested = true;
        }
        else if (state == KnownResourceStates.Running)
        {
            replica.StopRequested = false;
            replica.Restarting = false;
            replica.RunningSince = clock.GetUtcNow();
        }
        else if (IsEnd(state) && (previous == KnownResourceStates.Running || replica.Restarting)
            && !replica.StopRequested && !stopping.IsCancellationRequested)
        {
            if (clock.GetUtcNow() - replica.RunningSince > s_healthyRun)
            {
                replica.Delay = s_firstDelay;
            }
            var delay = replica.Delay;
            replica.Delay = delay * 2 > s_maxDelay ? s_maxDelay : delay * 2;
            replica.Restarts++;
            replica.Restarting = true;
            _ = RestartAsync(update.Resource, update.ResourceId, update.Snapshot.ExitCode, delay, replica.Restarts, stopping);
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
            if (notifications.TryGetCurrentState(resourceId, out var current) && !IsEnd(current.Snapshot.State?.Text))
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

    private static bool IsEnd(string? state) =>
        state == KnownResourceStates.Finished || state == KnownResourceStates.Exited || state == KnownResourceStates.FailedToStart;

    private sealed class Replica
    {
        public string? LastState { get; set; }
        public bool StopRequested { get; set; }
        /// <summary>A start this supervisor asked for has not reached "Running" yet; if it fails, it is tried again.</summary>
        public bool Restarting { get; set; }
        public DateTimeOffset RunningSince { get; set; }
        public TimeSpan Delay { get; set; } = s_firstDelay;
        public int Restarts { get; set; }
    }
}
