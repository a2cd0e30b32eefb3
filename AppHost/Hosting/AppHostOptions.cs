using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Configuration;

namespace Alle.Hosting;

/// <summary>How the AppHost runs, from the <c>AppHost</c> configuration section and the command line.</summary>
public sealed class AppHostOptions
{
    /// <summary>
    /// Where servers keep their data, logs and the generated credentials. Defaults to a folder under /var/tmp
    /// (PostgreSQL and RabbitMQ run as their own accounts when the AppHost runs as root, and must reach it).
    /// </summary>
    public string StateDirectory { get; set; } = DefaultStateDirectory();

    /// <summary>Deletes the servers' data before starting (credentials are kept).</summary>
    public bool Reset { get; set; }

    public int DashboardPort { get; set; } = 18888;

    /// <summary>The gateway's port when nothing else asks for one; the developer's stable entry URL.</summary>
    public int GatewayPort { get; set; } = 5080;

    /// <summary>Gives every endpoint a fresh free port (tests run several applications side by side).</summary>
    public bool RandomPorts { get; set; }

    public string EnvironmentName { get; set; } = "Development";

    public string? OtlpEndpoint { get; set; }

    public string OtlpProtocol { get; set; } = "grpc";

    /// <summary>Prints nothing but errors to the console (tests).</summary>
    public bool Quiet { get; set; }

    public string? Publisher { get; set; }

    public string? OutputPath { get; set; }

    internal static AppHostOptions From(IConfiguration configuration)
    {
        var options = new AppHostOptions();
        configuration.GetSection("AppHost").Bind(options);
        options.OtlpEndpoint ??= configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        options.StateDirectory = Path.GetFullPath(options.StateDirectory);
        return options;
    }

    /// <summary>One state folder per checkout, so two clones never share data.</summary>
    private static string DefaultStateDirectory()
    {
        var checkout = AppContext.BaseDirectory;
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(checkout)))[..10].ToLowerInvariant();
        return Path.Combine("/var/tmp", "alle", hash);
    }

    /// <summary>Translates the friendly switches (<c>--reset</c>, <c>--state-dir X</c>, <c>--publisher manifest</c>) into configuration keys.</summary>
    internal static string[] NormalizeArguments(string[] args)
    {
        var switches = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["--state-dir"] = "AppHost:StateDirectory",
            ["--dashboard-port"] = "AppHost:DashboardPort",
            ["--publisher"] = "AppHost:Publisher",
            ["--output-path"] = "AppHost:OutputPath",
        };
        var normalized = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] is "--reset")
            {
                normalized.Add("--AppHost:Reset=true");
            }
            else if (args[i] is "--random-ports")
            {
                normalized.Add("--AppHost:RandomPorts=true");
            }
            else if (switches.TryGetValue(args[i], out var key) && i + 1 < args.Length)
            {
                normalized.Add($"--{key}={args[++i]}");
            }
            else
            {
                normalized.Add(args[i]);
            }
        }
        return [.. normalized];
    }
}
