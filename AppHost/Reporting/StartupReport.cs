using System.Collections.Concurrent;
using System.Diagnostics;
using Alle.AppHost.Credentials;
using Microsoft.Extensions.Hosting;

namespace Alle.AppHost.Reporting;

public static class StartupReportExtensions
{
    /// <summary>
    /// Once every resource is healthy, prints the gateway's URL, the dashboard's login URL, the development credentials
    /// (labelled "admin key: …", "portal write key: …") and a resource table, ending with "Ready in N s"; before that, a
    /// line per change of a resource's state or health. Scripts and
    /// people rely on these lines; <c>AppHost:Quiet=true</c> turns them off.
    /// </summary>
    public static IDistributedApplicationBuilder PrintStartupReport(this IDistributedApplicationBuilder builder)
    {
        if (builder.ExecutionContext.IsRunMode && !builder.Configuration.GetValue<bool>("AppHost:Quiet"))
        {
            builder.Services.AddHostedService<StartupReport>();
        }
        return builder;
    }
}

internal sealed class StartupReport(
    DistributedApplicationModel model,
    ResourceNotificationService notifications,
    IConfiguration configuration,
    IHostApplicationLifetime lifetime) : EarlyBackgroundService
{
    private const string DashboardResourceName = "aspire-dashboard";
    private readonly ConcurrentDictionary<string, ResourceEvent> _latest = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = Stopwatch.StartNew();
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lifetime.ApplicationStopping);
        _ = WatchAsync(stopping.Token);
        try
        {
            await Task.WhenAll(RunningResources().Select(r => notifications.WaitForResourceHealthyAsync(r.Name, stopping.Token)));
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return;
        }
        await Task.Delay(100, stopping.Token);
        await PrintAsync(started.Elapsed, stopping.Token);
    }

    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var update in notifications.WatchAsync(cancellationToken))
            {
                var previous = _latest.GetValueOrDefault(update.ResourceId);
                _latest[update.ResourceId] = update;
                if (update.Resource.HasAnnotationOfType<HealthCheckAnnotation>() && update.Snapshot.State?.Text is { Length: > 0 } state
                    && (state != previous?.Snapshot.State?.Text || update.Snapshot.HealthStatus != previous?.Snapshot.HealthStatus))
                {
                    var exit = update.Snapshot.ExitCode is { } code ? $" (exit code {code})" : "";
                    Console.Out.WriteLine($"[{DateTime.Now:HH:mm:ss}] {update.ResourceId,-28} {state,-14} {update.Snapshot.HealthStatus}{exit}");
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>What the application is ready with: every resource that reports health (not parameters, not one-off steps).</summary>
    private IEnumerable<IResource> RunningResources() =>
        model.Resources.Where(r => r.Name != DashboardResourceName && r.HasAnnotationOfType<HealthCheckAnnotation>());

    private async Task PrintAsync(TimeSpan elapsed, CancellationToken cancellationToken)
    {
        var lines = new List<string> { $"Allē is running (state in {configuration["AppHost:StateDirectory"] ?? "the default state folder"}):" };
        if (Url("gateway") is { } gateway)
        {
            lines.Add($"  gateway: {gateway}");
        }
        if (_latest.Values.FirstOrDefault(e => e.Resource.Name == DashboardResourceName)?.Snapshot.Urls
            .FirstOrDefault(u => u.Url.Contains("/login?t=", StringComparison.Ordinal)) is { } dashboard)
        {
            lines.Add($"  dashboard: {Loopback(dashboard.Url)}");
        }
        foreach (var parameter in model.Resources.OfType<ParameterResource>())
        {
            if (parameter.Annotations.OfType<PrintedAtStartAnnotation>().FirstOrDefault() is { } printed)
            {
                lines.Add($"  {printed.Label}: {await parameter.GetValueAsync(cancellationToken)}");
            }
        }
        lines.Add($"  {"RESOURCE",-18} {"STATE",-10} {"HEALTH",-9} URL");
        foreach (var update in _latest.Values.Where(e => e.Resource.HasAnnotationOfType<HealthCheckAnnotation>() && e.Resource.Name != DashboardResourceName)
                     .OrderBy(e => model.Resources.IndexOf(e.Resource)).ThenBy(e => e.ResourceId, StringComparer.Ordinal))
        {
            var snapshot = update.Snapshot;
            var name = _latest.Values.Count(e => e.Resource == update.Resource) > 1 ? update.ResourceId : update.Resource.Name;
            lines.Add($"  {name,-18} {snapshot.State?.Text,-10} {snapshot.HealthStatus?.ToString() ?? "",-9} {PublicUrl(snapshot)}");
        }
        lines.Add($"Ready in {elapsed.TotalSeconds:0.0} s. Stop with Ctrl+C.");
        Console.Out.WriteLine(string.Join(Environment.NewLine, lines));
    }

    private string? Url(string resourceName) =>
        _latest.Values.Where(e => e.Resource.Name == resourceName).Select(e => PublicUrl(e.Snapshot)).FirstOrDefault(u => u.Length > 0);

    private static string PublicUrl(CustomResourceSnapshot snapshot) =>
        Loopback(snapshot.Urls.Where(u => !u.IsInternal).Select(u => u.Url).FirstOrDefault() ?? "");

    /// <summary>The orchestrator binds "localhost" to IPv4's loopback only: the address that always answers, without a lookup.</summary>
    private static string Loopback(string url) => url.Replace("://localhost:", "://127.0.0.1:", StringComparison.Ordinal);
}
