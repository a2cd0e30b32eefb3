using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Alle.Hosting;

/// <summary>
/// The running application: the orchestrator that starts and supervises every resource, and the dashboard that shows them.
/// Written in the shape of .NET Aspire's DistributedApplication so that moving to Aspire later changes only the AppHost.
/// </summary>
public sealed class DistributedApplication : IAsyncDisposable
{
    internal static TestingInterceptor? Interceptor { get; set; }

    private readonly WebApplication _host;
    private readonly Orchestrator _orchestrator;
    private readonly ConsoleReporter _reporter;
    private readonly bool _testing;

    internal DistributedApplication(WebApplicationBuilder builder, DistributedApplicationModel model, AppHostOptions options, bool testing)
    {
        Model = model;
        Options = options;
        _testing = testing;

        var dashboardToken = model.Resources.OfType<ParameterResource>().First(p => p.Name == DashboardApi.TokenParameterName);
        var dashboardPort = options.RandomPorts ? 0 : new StateStore(options.StateDirectory).TakePort(options.DashboardPort);
        builder.WebHost.UseUrls($"http://127.0.0.1:{dashboardPort}");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromMinutes(2));
        builder.Services.AddSingleton(model);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<ConsoleReporter>();
        builder.Services.AddSingleton<Orchestrator>();
        builder.Services.AddHostedService(services => services.GetRequiredService<Orchestrator>());
        builder.Services.AddSingleton(dashboardToken);

        _host = builder.Build();
        _host.MapDashboard();
        _orchestrator = _host.Services.GetRequiredService<Orchestrator>();
        _reporter = _host.Services.GetRequiredService<ConsoleReporter>();
    }

    public DistributedApplicationModel Model { get; }

    public AppHostOptions Options { get; }

    public IServiceProvider Services => _host.Services;

    /// <summary>The dashboard's address, with the sign-in token (known once started).</summary>
    public string DashboardUrl { get; private set; } = "";

    public string DashboardToken => _host.Services.GetRequiredService<ParameterResource>().Value;

    public static DistributedApplicationBuilder CreateBuilder(string[] args)
    {
        var interceptor = Interceptor;
        var builder = interceptor is null
            ? new DistributedApplicationBuilder(args, testing: false)
            : new DistributedApplicationBuilder([.. args, .. interceptor.Arguments], testing: true);
        builder.AddSecret(DashboardApi.TokenParameterName, "dashboard token", showAtStart: false);
        return builder;
    }

    public void Run() => RunAsync().GetAwaiter().GetResult();

    /// <summary>Runs until Ctrl+C or SIGTERM, then stops every resource in reverse dependency order.</summary>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        if (string.Equals(Options.Publisher, "manifest", StringComparison.OrdinalIgnoreCase))
        {
            var path = ManifestWriter.Write(Model, Options.OutputPath ?? "aspire-manifest.json");
            Console.Out.WriteLine($"Deployment manifest written to {path}");
            return;
        }

        if (!EnsureInstalled())
        {
            return;
        }

        await StartAsync(cancellationToken);
        await _host.WaitForShutdownAsync(cancellationToken);
    }

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _host.StartAsync(cancellationToken);
        var address = _host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        DashboardUrl = $"{address}/login?t={Uri.EscapeDataString(DashboardToken)}";
        _reporter.DashboardUrl = DashboardUrl;
        _reporter.PrintDashboard(DashboardUrl);
    }

    public Task StopAsync(CancellationToken cancellationToken = default) => _host.StopAsync(cancellationToken);

    /// <summary>Waits until every resource has reported healthy once.</summary>
    public Task WaitForReadyAsync(TimeSpan timeout) => _orchestrator.Ready.WaitAsync(timeout);

    public IReadOnlyList<ResourceSnapshot> GetResources() => [.. _orchestrator.Snapshots()];

    /// <summary>The URL of a project's endpoint (first replica unless said otherwise).</summary>
    public Uri GetEndpoint(string resourceName, string endpointName = "http", int replica = 0)
    {
        var resource = Model.Resources.OfType<RunnableResource>().FirstOrDefault(r => r.Name == resourceName)
            ?? throw new ArgumentException($"No resource named '{resourceName}'.", nameof(resourceName));
        var endpoint = resource.EndpointList.First(e => e.Name == endpointName);
        return new Uri(endpoint.UrlFor(replica));
    }

    public string GetConnectionString(string resourceName) => Model.Resources.OfType<IResourceWithConnectionString>()
        .FirstOrDefault(r => r.Name == resourceName)?.ConnectionString.GetValue()
        ?? throw new ArgumentException($"No resource named '{resourceName}' has a connection string.", nameof(resourceName));

    public string GetParameterValue(string parameterName) => Model.Resources.OfType<ParameterResource>()
        .FirstOrDefault(p => p.Name == parameterName)?.Value
        ?? throw new ArgumentException($"No parameter named '{parameterName}'.", nameof(parameterName));

    public Task StopResourceAsync(string name) => RunnerFor(name).StopAsync();

    public Task StartResourceAsync(string name) => RunnerFor(name).ResumeAsync();

    public Task RestartResourceAsync(string name) => RunnerFor(name).RestartAsync();

    /// <summary>Waits until the resource reports healthy again (after a crash or a restart).</summary>
    public async Task WaitForHealthyAsync(string name, TimeSpan timeout)
    {
        var runner = RunnerFor(name);
        using var deadline = new CancellationTokenSource(timeout);
        while (!(runner.State == ResourceState.Running && runner.Health == HealthStatus.Healthy))
        {
            await Task.Delay(100, deadline.Token);
        }
    }

    private ResourceRunner RunnerFor(string name) => _orchestrator.Find(name)
        ?? throw new ArgumentException($"No running resource named '{name}'.", nameof(name));

    /// <summary>Says which Debian package to install when a server program is missing, and exits with code 2.</summary>
    private bool EnsureInstalled()
    {
        try
        {
            foreach (var resource in Model.Resources.OfType<RunnableResource>())
            {
                resource.EnsureInstalled(_host.Configuration);
            }
            return true;
        }
        catch (MissingServerException exception) when (!_testing)
        {
            Console.Error.WriteLine($"error: {exception.Message}");
            Environment.ExitCode = 2;
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        await _host.DisposeAsync();
    }
}

internal sealed record TestingInterceptor(string[] Arguments, Action<DistributedApplicationBuilder>? ConfigureBuilder, Action<DistributedApplication> OnBuilt);
