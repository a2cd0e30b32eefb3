using System.Net.Http.Headers;
using System.Text;
using Alle.Hosting;
using Alle.Hosting.Testing;
using Xunit;

namespace Alle.Testing;

/// <summary>
/// The whole application, started from the AppHost's own resource graph on real PostgreSQL, Redis and RabbitMQ servers,
/// in a fresh state folder with random ports; stopped and deleted afterwards. Share one per test assembly through a
/// collection fixture: starting takes ~15 s.
/// </summary>
public class DistributedAppFixture : IAsyncLifetime
{
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromMinutes(3);
    private readonly List<HttpClient> _clients = [];

    public DistributedApplication App { get; private set; } = null!;

    public string StateDirectory { get; } = Path.Combine("/var/tmp", "alle-tests", Guid.NewGuid().ToString("N")[..12]);

    /// <summary>The gateway, the application's public entry, without credentials.</summary>
    public HttpClient Gateway { get; private set; } = null!;

    /// <summary>The gateway with the admin key as bearer token.</summary>
    public HttpClient AdminGateway { get; private set; } = null!;

    public string AdminKey => App.GetParameterValue("admin-key");

    public string WriteKey(string source) => App.GetParameterValue($"{source}-write-key");

    public string ConnectionString(string name) => App.GetConnectionString(name);

    public Uri Endpoint(string resource) => App.GetEndpoint(resource);

    /// <summary>Changes the graph before it is built (e.g. more replicas); override in a derived fixture.</summary>
    protected virtual void ConfigureApplication(DistributedApplicationBuilder builder)
    {
    }

    public async Task InitializeAsync()
    {
        App = await DistributedApplicationTestingBuilder.StartAsync(
            typeof(Projects.Gateway).Assembly, ["--state-dir", StateDirectory], ConfigureApplication);
        try
        {
            await App.WaitForReadyAsync(s_startTimeout);
        }
        catch (Exception exception) when (exception is TimeoutException or InvalidOperationException)
        {
            throw new InvalidOperationException($"The application did not become healthy: {Describe()}\nLogs: {Path.Combine(StateDirectory, "logs")}", exception);
        }

        Gateway = CreateClient("gateway");
        AdminGateway = CreateClient("gateway");
        AdminGateway.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
    }

    /// <summary>A client for one resource's HTTP endpoint, bypassing the gateway.</summary>
    public HttpClient CreateClient(string resource, TimeSpan? timeout = null)
    {
        var client = new HttpClient { BaseAddress = App.GetEndpoint(resource), Timeout = timeout ?? TimeSpan.FromSeconds(30) };
        _clients.Add(client);
        return client;
    }

    /// <summary>A gateway client authenticated as a source with HTTP Basic (write key as user name), as Segment's libraries send.</summary>
    public HttpClient CreateTrackingClient(string source)
    {
        var client = CreateClient("gateway");
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{WriteKey(source)}:")));
        return client;
    }

    public string Describe() => string.Join(", ", App.GetResources().Select(r => $"{r.Name}={r.State}/{r.Health}"));

    public async Task DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }
        if (App is not null)
        {
            await App.DisposeAsync();
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
    }
}
