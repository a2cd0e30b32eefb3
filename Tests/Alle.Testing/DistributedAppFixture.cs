using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Alle.Testing;

/// <summary>
/// The whole application, started from the AppHost's own graph by Aspire's testing builder on real PostgreSQL, Redis
/// and RabbitMQ servers, with Aspire's dashboard receiving the services' telemetry as in development, in a fresh state
/// folder with random ports and credentials of its own; stopped and deleted afterwards. Share one per test assembly through a collection fixture: starting takes ~20 s.
/// </summary>
public class DistributedAppFixture : IAsyncLifetime
{
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromMinutes(6);
    private static readonly TimeSpan s_turnTimeout = TimeSpan.FromMinutes(45);
    private ApplicationSlot? _slot;
    private readonly List<HttpClient> _clients = [];
    private readonly Dictionary<string, string> _parameters = [];
    private readonly Dictionary<string, string> _connectionStrings = [];

    public DistributedApplication App { get; private set; } = null!;

    public string StateDirectory { get; } = Path.Combine("/var/tmp", "alle-tests", Guid.NewGuid().ToString("N")[..12]);

    /// <summary>The gateway, the application's public entry, without credentials.</summary>
    public HttpClient Gateway { get; private set; } = null!;

    /// <summary>The gateway with the admin key as bearer token.</summary>
    public HttpClient AdminGateway { get; private set; } = null!;

    public ApplicationResources Resources { get; private set; } = null!;

    public string AdminKey => Parameter("admin-key");

    public string WriteKey(string source) => Parameter($"{source}-write-key");

    public string Parameter(string name) => _parameters.TryGetValue(name, out var value)
        ? value
        : throw new ArgumentException($"No parameter named '{name}'.", nameof(name));

    public string ConnectionString(string name) => _connectionStrings.TryGetValue(name, out var value)
        ? value
        : throw new ArgumentException($"No resource named '{name}' has a connection string.", nameof(name));

    public Uri Endpoint(string resource) => App.GetEndpoint(resource, "http");

    /// <summary>The key of the telemetry API of Aspire's dashboard, which runs with the application as in development.</summary>
    public string DashboardApiKey { get; } = NewSecret();

    /// <summary>The dashboard's address (its telemetry API under <c>/api/telemetry</c>).</summary>
    public Uri DashboardUrl { get; private set; } = null!;

    /// <summary>Arguments for the AppHost, e.g. <c>--AppHost:Replicas:profiles=2</c>; override in a derived fixture.</summary>
    protected virtual IEnumerable<string> AppHostArguments => [];

    /// <summary>Changes to the graph before it is built (e.g. a service's settings); override in a derived fixture.</summary>
    protected virtual void ConfigureApplication(IDistributedApplicationTestingBuilder builder)
    {
    }

    public async Task InitializeAsync()
    {
        _slot = await ApplicationSlot.AcquireAsync(s_turnTimeout);
        try
        {
            await StartAsync();
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    private async Task StartAsync()
    {
        using var starting = new CancellationTokenSource(s_startTimeout);
        // The demo program's offers and journeys would act on every test's members: tests create what they need themselves.
        string[] arguments = ["--state-dir", StateDirectory, "--random-ports", "--AppHost:Quiet=true", "--AppHost:SeedDemo=false",
            $"--AppHost:DashboardApiKey={DashboardApiKey}", $"--AppHost:OtlpApiKey={NewSecret()}", $"--AppHost:McpApiKey={NewSecret()}",
            .. AppHostArguments];
        var builder = await DistributedApplicationTestingBuilder.CreateAsync(typeof(Projects.Gateway), arguments,
            (options, _) => options.DisableDashboard = false, starting.Token);

        // Credentials of this application only: nothing is generated into the developer's user secrets.
        foreach (var parameter in builder.Resources.OfType<ParameterResource>().Where(p => p.Default is not null))
        {
            builder.Configuration[$"Parameters:{parameter.Name}"] = parameter.Name switch
            {
                // The sandbox checks Twilio's shapes: "AC" and 32 hex digits, a 32-digit token.
                "twilio-account-sid" => "AC" + NewSecret()[..32],
                "twilio-auth-token" => NewSecret()[..32],
                _ => NewSecret(),
            };
        }
        // Destinations retry within a test's patience (from 100 ms, at most a second apart) rather than from 5 s up to 10 minutes.
        if (builder.Resources.OfType<ProjectResource>().SingleOrDefault(r => r.Name == "destinations") is { } destinations)
        {
            builder.CreateResourceBuilder(destinations)
                .WithEnvironment("Destinations__Delivery__RetryBaseDelay", "00:00:00.100")
                .WithEnvironment("Destinations__Delivery__MaxRetryDelay", "00:00:01");
        }
        ConfigureApplication(builder);

        App = await builder.BuildAsync(starting.Token);
        Resources = new ApplicationResources(App);
        try
        {
            await App.StartAsync(starting.Token);
            await Resources.WaitForAllHealthyAsync(starting.Token);
            var dashboard = await App.ResourceNotifications.WaitForResourceHealthyAsync("aspire-dashboard", starting.Token);
            DashboardUrl = new Uri(new Uri(dashboard.Snapshot.Urls.First(u => u.Url.Contains("/login", StringComparison.Ordinal)).Url).GetLeftPart(UriPartial.Authority));
        }
        catch (OperationCanceledException exception)
        {
            throw new TimeoutException($"The application did not become healthy: {Resources.Describe()}", exception);
        }

        foreach (var parameter in App.Services.GetRequiredService<DistributedApplicationModel>().Resources.OfType<ParameterResource>())
        {
            _parameters[parameter.Name] = await parameter.GetValueAsync(default) ?? "";
        }
        foreach (var resource in App.Services.GetRequiredService<DistributedApplicationModel>().Resources.OfType<IResourceWithConnectionString>())
        {
            _connectionStrings[resource.Name] = await resource.GetConnectionStringAsync() ?? "";
        }

        Gateway = CreateClient("gateway");
        AdminGateway = CreateClient("gateway");
        AdminGateway.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
    }

    /// <summary>A client for one resource's HTTP endpoint, bypassing the gateway.</summary>
    public HttpClient CreateClient(string resource, TimeSpan? timeout = null)
    {
        var client = new HttpClient { BaseAddress = Endpoint(resource), Timeout = timeout ?? TimeSpan.FromSeconds(30) };
        _clients.Add(client);
        return client;
    }

    /// <summary>A client for the dashboard's telemetry API, with its key.</summary>
    public HttpClient CreateDashboardClient()
    {
        var client = new HttpClient { BaseAddress = DashboardUrl };
        client.DefaultRequestHeaders.Add("x-api-key", DashboardApiKey);
        return client;
    }

    /// <summary>
    /// A service's latest warnings and errors from the dashboard's telemetry API, a line each (time, level, message,
    /// exception), for a test to print when what it waited for never came: the wait says only that, the log says why.
    /// </summary>
    public async Task<string> RecentProblemsAsync(string resource, int limit = 40)
    {
        try
        {
            using var dashboard = CreateDashboardClient();
            using var logs = JsonDocument.Parse(await dashboard.GetStringAsync($"/api/telemetry/logs?resource={resource}&severity=Warning&limit={limit}"));
            var lines = new List<string>();
            foreach (var record in logs.RootElement.GetProperty("data").GetProperty("resourceLogs").EnumerateArray()
                         .SelectMany(r => r.GetProperty("scopeLogs").EnumerateArray()).SelectMany(s => s.GetProperty("logRecords").EnumerateArray()))
            {
                var at = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(record.GetProperty("timeUnixNano").GetString()!, CultureInfo.InvariantCulture) / 1_000_000);
                var exception = record.TryGetProperty("attributes", out var attributes)
                    ? attributes.EnumerateArray().Where(a => a.GetProperty("key").GetString() == "exception.message")
                        .Select(a => " — " + a.GetProperty("value").GetProperty("stringValue").GetString()).FirstOrDefault()
                    : null;
                lines.Add($"{at:HH:mm:ss.fff} {record.GetProperty("severityText").GetString()} {record.GetProperty("body").GetProperty("stringValue").GetString()}{exception}");
            }
            return lines.Count == 0 ? $"{resource} logged no warning or error." : $"{resource}'s latest warnings and errors:\n" + string.Join("\n", lines.Order(StringComparer.Ordinal));
        }
        catch (Exception exception) when (exception is HttpRequestException or JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return $"{resource}'s logs could not be read: {exception.Message}";
        }
    }

    /// <summary>A gateway client authenticated as a source with HTTP Basic (write key as user name), as Segment's libraries send.</summary>
    public HttpClient CreateTrackingClient(string source)
    {
        var client = CreateClient("gateway");
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{WriteKey(source)}:")));
        return client;
    }

    private static string NewSecret() => Convert.ToHexString(RandomNumberGenerator.GetBytes(20)).ToLowerInvariant();

    /// <summary>
    /// With <c>ALLE_TEST_PROBLEMS_DIR</c> set, every service's warnings and errors of the run are written there (a file
    /// per service) before the application stops: what to read when a run failed in a way its assertions cannot explain.
    /// </summary>
    private async Task KeepProblemsAsync()
    {
        if (Environment.GetEnvironmentVariable("ALLE_TEST_PROBLEMS_DIR") is not { Length: > 0 } directory || DashboardUrl is null)
        {
            return;
        }
        Directory.CreateDirectory(directory);
        foreach (var service in App.Services.GetRequiredService<DistributedApplicationModel>().Resources.OfType<ProjectResource>())
        {
            await File.WriteAllTextAsync(Path.Combine(directory, $"{service.Name}.log"), await RecentProblemsAsync(service.Name, limit: 5000));
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }
        _clients.Clear();
        if (App is not null)
        {
            await KeepProblemsAsync();
            await App.DisposeAsync();
            App = null!;
        }
        try
        {
            Directory.Delete(StateDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        _slot?.Dispose();
        _slot = null;
    }
}
