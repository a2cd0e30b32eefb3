using System.Reflection;

namespace Alle.Hosting.Testing;

/// <summary>
/// Starts the AppHost's own resource graph inside a test process, the way Aspire.Hosting.Testing does: the AppHost's
/// entry point runs on its own thread, the test adjusts the builder (state folder, random ports) before it builds,
/// and gets the running application back to wait on, query and stop.
/// </summary>
public static class DistributedApplicationTestingBuilder
{
    private static readonly SemaphoreSlim s_oneBuildAtATime = new(1, 1);

    /// <param name="entryPointAssembly">The AppHost assembly (e.g. <c>typeof(Projects.Gateway).Assembly</c>).</param>
    /// <param name="arguments">Extra command-line arguments, e.g. <c>--state-dir</c>.</param>
    /// <param name="configure">Changes to the graph before it is built.</param>
    public static async Task<DistributedApplication> StartAsync(Assembly entryPointAssembly, string[] arguments,
        Action<DistributedApplicationBuilder>? configure = null, CancellationToken cancellationToken = default)
    {
        var entryPoint = entryPointAssembly.EntryPoint ?? throw new ArgumentException("The assembly has no entry point.", nameof(entryPointAssembly));
        var built = new TaskCompletionSource<DistributedApplication>(TaskCreationOptions.RunContinuationsAsynchronously);

        await s_oneBuildAtATime.WaitAsync(cancellationToken);
        try
        {
            DistributedApplication.Interceptor = new TestingInterceptor([.. arguments, "--AppHost:RandomPorts=true", "--AppHost:Quiet=true"], configure, app =>
            {
                DistributedApplication.Interceptor = null;
                built.TrySetResult(app);
            });

            var thread = new Thread(() =>
            {
                try
                {
                    entryPoint.Invoke(null, entryPoint.GetParameters().Length == 0 ? [] : [Array.Empty<string>()]);
                    built.TrySetException(new InvalidOperationException("The AppHost returned without building its application."));
                }
                catch (TargetInvocationException exception)
                {
                    built.TrySetException(exception.InnerException ?? exception);
                }
            })
            { IsBackground = true, Name = "AppHost" };
            thread.Start();

            return await built.Task.WaitAsync(TimeSpan.FromMinutes(1), cancellationToken);
        }
        finally
        {
            DistributedApplication.Interceptor = null;
            s_oneBuildAtATime.Release();
        }
    }
}
