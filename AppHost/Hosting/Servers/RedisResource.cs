using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Alle.Hosting;

/// <summary>A Redis server on loopback with a password, append-only persistence in the state folder.</summary>
public sealed class RedisResource : RunnableResource, IResourceWithConnectionString
{
    private readonly EndpointAnnotation _endpoint = new("tcp", "tcp");
    private string? _existingConnectionString;

    internal RedisResource(string name, ParameterResource password) : base(name)
    {
        Password = password;
        EndpointList.Add(_endpoint);
    }

    public override string Kind => "redis";

    public ParameterResource Password { get; }

    public IValueProvider ConnectionString => new DeferredValue(
        () => _existingConnectionString ?? $"127.0.0.1:{_endpoint.AllocatedPorts[0]},password={Password.Value}",
        $"{{{Name}.connectionString}}");

    internal override void Configure(RunContext context)
    {
        _existingConnectionString = context.ExistingConnectionString(Name);
        IsExternal = _existingConnectionString is not null;
    }

    internal override void EnsureInstalled(Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        if (string.IsNullOrEmpty(configuration.GetConnectionString(Name)))
        {
            ServerBinaries.Find("redis-server", "redis-server");
        }
    }

    internal override ProcessSpec CreateProcess(RunContext context, int replica)
    {
        var directory = context.ResourceDirectory(Name);
        return new ProcessSpec(
            ServerBinaries.Find("redis-server", "redis-server"),
            ["--port", _endpoint.AllocatedPorts[0].ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", directory,
             "--requirepass", Password.Value, "--appendonly", "yes", "--save", "", "--daemonize", "no", "--protected-mode", "yes",
             "--loglevel", "warning"],
            directory,
            new Dictionary<string, string>());
    }

    internal override async Task<HealthResult> CheckHealthAsync(int replica, CancellationToken cancellationToken)
    {
        if (IsExternal)
        {
            return HealthResult.Healthy;
        }

        try
        {
            using var client = new TcpClient();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            await client.ConnectAsync("127.0.0.1", _endpoint.AllocatedPorts[0], timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"AUTH {Password.Value}\r\nPING\r\n"), timeout.Token);
            var buffer = new byte[64];
            var received = new StringBuilder();
            while (!received.ToString().Contains("PONG", StringComparison.Ordinal) && !received.ToString().Contains("-ERR", StringComparison.Ordinal))
            {
                var read = await stream.ReadAsync(buffer, timeout.Token);
                if (read == 0)
                {
                    break;
                }
                received.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }
            return received.ToString().Contains("+PONG", StringComparison.Ordinal)
                ? HealthResult.Healthy
                : HealthResult.Unhealthy($"Unexpected answer: {received.ToString().Trim()}");
        }
        catch (Exception exception) when (exception is SocketException or IOException or OperationCanceledException)
        {
            return HealthResult.Unhealthy(exception.Message);
        }
    }
}

public static class RedisBuilderExtensions
{
    public static IResourceBuilder<RedisResource> AddRedis(this DistributedApplicationBuilder builder, string name)
    {
        var password = builder.AddSecret($"{name}-password", $"{name} password", showAtStart: false).Resource;
        return builder.AddResource(new RedisResource(name, password));
    }
}
