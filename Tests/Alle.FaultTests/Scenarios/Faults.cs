using System.Diagnostics;
using Aspire.Hosting.ApplicationModel;

namespace Alle.FaultTests.Scenarios;

/// <summary>Something done to one resource of the running application.</summary>
public abstract record Fault(string Resource)
{
    public abstract string Name { get; }
}

/// <summary>
/// SIGKILL of the resource's process — for a server (PostgreSQL, RabbitMQ, Redis) of every process it runs, as a crash
/// of its machine would — after which the AppHost restarts it on its own.
/// </summary>
public sealed record Kill(string Resource) : Fault(Resource)
{
    public override string Name => $"{Resource} SIGKILL";
}

/// <summary>The resource stopped through its stop command (as the dashboard's button does), held down, then started again.</summary>
public sealed record Outage(string Resource, TimeSpan Hold) : Fault(Resource)
{
    public override string Name => $"{Resource} down {Hold.TotalSeconds:0} s";
}

/// <summary>Injects faults and waits for the application to be whole again.</summary>
public sealed class FaultInjector(DistributedAppFixture app, Action<string> log)
{
    private static readonly TimeSpan s_recovery = TimeSpan.FromMinutes(3);

    /// <summary>
    /// Injects the fault and returns the moment it was healed: the kill itself (the restart is the application's own
    /// doing), or the start command after an outage. <paramref name="whileDown"/> runs once the fault is in place.
    /// </summary>
    public async Task<DateTimeOffset> InjectAsync(Fault fault, Func<Task>? whileDown = null)
    {
        switch (fault)
        {
            case Kill kill:
                var before = app.Resources.Instance(kill.Resource);
                // A server's shell wrapper and everything under it; a service's own process (under dotnet run).
                int[] victims = app.Resources[kill.Resource] is ProjectResource
                    ? [before.ProcessId]
                    : [before.ProcessId, .. ProcessTree.Descendants(before.ProcessId)];
                log($"{fault.Name}: killing {string.Join(", ", victims)}");
                foreach (var victim in victims)
                {
                    try
                    {
                        Process.GetProcessById(victim).Kill();
                    }
                    catch (Exception exception) when (exception is ArgumentException or InvalidOperationException)
                    {
                        // Already gone: a child that ended with its parent.
                    }
                }
                var killedAt = DateTimeOffset.UtcNow;
                await Eventually.TrueAsync(() => Task.FromResult(app.Resources.Instance(kill.Resource) is { } now
                        && now.Restarts > before.Restarts && now.ProcessId != before.ProcessId && now.ProcessId != 0),
                    s_recovery, $"{kill.Resource} to be restarted after its SIGKILL");
                if (whileDown is not null)
                {
                    await whileDown();
                }
                return killedAt;

            case Outage outage:
                log($"{fault.Name}: stopping");
                await app.Resources.StopAsync(outage.Resource);
                var stoppedAt = Stopwatch.StartNew();
                try
                {
                    if (whileDown is not null)
                    {
                        await whileDown();
                    }
                    // A deliberate outage of a chosen length, not a wait for a condition.
                    var rest = outage.Hold - stoppedAt.Elapsed;
                    if (rest > TimeSpan.Zero)
                    {
                        await Task.Delay(rest);
                    }
                }
                finally
                {
                    // Whatever happened meanwhile, the application is left whole for what runs next.
                    log($"{fault.Name}: starting after {stoppedAt.Elapsed.TotalSeconds:0} s");
                    await app.Resources.StartAsync(outage.Resource);
                }
                return DateTimeOffset.UtcNow;

            default:
                throw new ArgumentOutOfRangeException(nameof(fault), fault, "Unknown fault.");
        }
    }

    /// <summary>Waits until every resource reports healthy again (a restarted database takes the services' health checks down with it).</summary>
    public async Task WaitForWholeAsync()
    {
        using var deadline = new CancellationTokenSource(s_recovery);
        try
        {
            await app.Resources.WaitForAllHealthyAsync(deadline.Token);
        }
        catch (OperationCanceledException exception)
        {
            throw new TimeoutException($"The application was not whole again within {s_recovery.TotalMinutes:0} min: {app.Resources.Describe()}", exception);
        }
    }
}
