namespace Alle.Hosting;

/// <summary>The AppHost's console: credentials and URLs at start, a line per state change, a summary table when ready.</summary>
internal sealed class ConsoleReporter(AppHostOptions options)
{
    private readonly object _gate = new();
    private readonly Dictionary<string, (ResourceState State, HealthStatus Health)> _last = [];

    public string? DashboardUrl { get; set; }

    public void PrintHeader(AppHostOptions appHostOptions, DistributedApplicationModel model)
    {
        Write($"Allē AppHost: state in {appHostOptions.StateDirectory}");
        foreach (var parameter in model.Resources.OfType<ParameterResource>().Where(p => p.ShowAtStart))
        {
            Write($"  {parameter.Label}: {parameter.Value}");
        }
    }

    public void PrintDashboard(string url) => Write($"  dashboard: {url}");

    public void ResourceChanged(ResourceRunner runner)
    {
        lock (_gate)
        {
            var now = (runner.State, runner.Health);
            if (_last.TryGetValue(runner.Resource.Name, out var last) && last == now)
            {
                return;
            }
            _last[runner.Resource.Name] = now;
            var restarts = runner.RestartCount > 0 ? $" (restarts: {runner.RestartCount})" : "";
            Write($"[{DateTime.Now:HH:mm:ss}] {runner.Resource.Name,-16} {runner.State,-13} {runner.Health,-9} {string.Join(' ', runner.Resource.DisplayEndpoints())}{restarts}");
        }
    }

    public void PrintReady(IReadOnlyList<ResourceSnapshot> resources, TimeSpan elapsed)
    {
        lock (_gate)
        {
            Write($"Ready in {elapsed.TotalSeconds:0.0} s:");
            Write($"  {"RESOURCE",-18} {"STATE",-10} {"HEALTH",-9} URL");
            foreach (var resource in resources)
            {
                Write($"  {resource.Name,-18} {resource.State,-10} {resource.Health,-9} {string.Join(' ', resource.Endpoints)}");
            }
            if (DashboardUrl is not null)
            {
                Write($"  dashboard: {DashboardUrl}");
            }
        }
    }

    public void Note(string text) => Write($"[{DateTime.Now:HH:mm:ss}] {text}");

    public void Error(string text)
    {
        lock (_gate)
        {
            Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] error: {text}");
        }
    }

    private void Write(string line)
    {
        if (!options.Quiet)
        {
            Console.Out.WriteLine(line);
        }
    }
}
