using Alle.AppHost.LocalServers;

namespace Alle.AppHost;

/// <summary>
/// The AppHost's command line: friendly switches (<c>--state-dir DIR</c>, <c>--reset</c>, <c>--random-ports</c>) become
/// configuration keys, and what <c>dotnet run</c> takes from Properties/launchSettings.json (the dashboard's addresses, the
/// Development environment) gets the same defaults when the AppHost starts another way (its dll directly, a benchmark script).
/// </summary>
public static class AppHostArguments
{
    private static readonly Dictionary<string, string> s_dashboardDefaults = new()
    {
        ["ASPNETCORE_URLS"] = "http://localhost:18888",
        ["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = "http://localhost:18889",
        ["ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL"] = "http://localhost:18890",
    };

    public static DistributedApplicationOptions Parse(string[] args)
    {
        var normalized = Normalize(args);
        var randomPorts = normalized.Contains("--AppHost:RandomPorts=true");
        foreach (var (key, value) in s_dashboardDefaults)
        {
            if (randomPorts)
            {
                normalized.Add($"--{key}=http://localhost:{StateFolder.FreePort()}");
            }
            else if (Environment.GetEnvironmentVariable(key) is null && !normalized.Any(a => a.StartsWith($"--{key}=", StringComparison.Ordinal)))
            {
                normalized.Add($"--{key}={value}");
            }
        }
        if (randomPorts)
        {
            normalized.Add("--DcpPublisher:RandomizePorts=true");
        }
        // As the launch profile says; the AppHost reads its user secrets (where generated credentials are kept) only in Development.
        if (Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT") is null && Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") is null
            && !normalized.Any(a => a.StartsWith("--environment", StringComparison.OrdinalIgnoreCase)))
        {
            normalized.Add("--environment=Development");
        }
        // No developer certificate exists here: the dashboard and its resource service speak plain HTTP on loopback.
        return new DistributedApplicationOptions { Args = [.. normalized], AllowUnsecuredTransport = true };
    }

    public static List<string> Normalize(string[] args)
    {
        var normalized = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--reset":
                    normalized.Add("--AppHost:Reset=true");
                    break;
                case "--random-ports":
                    normalized.Add("--AppHost:RandomPorts=true");
                    break;
                case "--state-dir" when i + 1 < args.Length:
                    normalized.Add($"--AppHost:StateDirectory={args[++i]}");
                    break;
                default:
                    normalized.Add(args[i]);
                    break;
            }
        }
        return normalized;
    }
}
