using System.Globalization;
using System.Net.Sockets;
using RabbitMQ.Client;

namespace Alle.Hosting;

/// <summary>
/// A private RabbitMQ node: its own node name, ports, data and log folders and its own Erlang port mapper, so it never
/// meets a system instance. Debian's node takes ~7 s to start.
/// </summary>
public sealed class RabbitMQServerResource : RunnableResource, IResourceWithConnectionString
{
    private const string ServiceAccount = "rabbitmq";
    private readonly EndpointAnnotation _amqp = new("tcp", "amqp");
    private readonly EndpointAnnotation _distribution = new("distribution", "tcp");
    private string? _existingConnectionString;

    internal RabbitMQServerResource(string name, ParameterResource password, PortMapperResource portMapper) : base(name)
    {
        Password = password;
        PortMapper = portMapper;
        EndpointList.Add(_amqp);
        EndpointList.Add(_distribution);
    }

    public override string Kind => "rabbitmq";

    public ParameterResource Password { get; }

    public PortMapperResource PortMapper { get; }

    public override TimeSpan StopTimeout => TimeSpan.FromSeconds(20);

    public IValueProvider ConnectionString => new DeferredValue(AmqpUri, $"{{{Name}.connectionString}}");

    private string AmqpUri() => _existingConnectionString
        ?? $"amqp://alle:{Uri.EscapeDataString(Password.Value)}@127.0.0.1:{_amqp.AllocatedPorts[0]}/";

    internal override void EnsureInstalled(Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        if (string.IsNullOrEmpty(configuration.GetConnectionString(Name)))
        {
            ServerBinaries.Find("rabbitmq-server", "rabbitmq-server", "/usr/lib/rabbitmq/bin");
            ServerBinaries.Find("epmd", "erlang-base", "/usr/lib/erlang/bin");
        }
    }

    internal override void Configure(RunContext context)
    {
        _existingConnectionString = context.ExistingConnectionString(Name);
        IsExternal = _existingConnectionString is not null;
    }

    internal override async Task PrepareAsync(RunContext context, CancellationToken cancellationToken)
    {
        if (IsExternal)
        {
            return;
        }

        var directory = context.ResourceDirectory(Name);
        foreach (var folder in new[] { "mnesia", "log", "home" })
        {
            Directory.CreateDirectory(Path.Combine(directory, folder));
        }
        await File.WriteAllTextAsync(Path.Combine(directory, "enabled_plugins"), "[].", cancellationToken);
        await CommandRunner.GiveToUserAsync(directory, RunContext.IsRoot ? ServiceAccount : null, cancellationToken);
    }

    internal override ProcessSpec CreateProcess(RunContext context, int replica)
    {
        var directory = context.ResourceDirectory(Name);
        var distributionPort = _distribution.AllocatedPorts[0].ToString(CultureInfo.InvariantCulture);
        return new ProcessSpec(
            // The package's wrapper in /usr/sbin insists on su; the real script lives beside the broker.
            ServerBinaries.Find("rabbitmq-server", "rabbitmq-server", "/usr/lib/rabbitmq/bin"),
            [],
            directory,
            new Dictionary<string, string>
            {
                ["HOME"] = Path.Combine(directory, "home"),
                ["ERL_EPMD_PORT"] = PortMapper.Port.ToString(CultureInfo.InvariantCulture),
                ["RABBITMQ_NODENAME"] = $"alle-{Name}-{_amqp.AllocatedPorts[0]}@localhost",
                ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
                ["RABBITMQ_NODE_PORT"] = _amqp.AllocatedPorts[0].ToString(CultureInfo.InvariantCulture),
                ["RABBITMQ_DIST_PORT"] = distributionPort,
                ["RABBITMQ_SERVER_START_ARGS"] = $"-kernel inet_dist_listen_min {distributionPort} inet_dist_listen_max {distributionPort}",
                ["RABBITMQ_MNESIA_BASE"] = Path.Combine(directory, "mnesia"),
                ["RABBITMQ_LOG_BASE"] = Path.Combine(directory, "log"),
                ["RABBITMQ_LOGS"] = "-",
                ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(directory, "enabled_plugins"),
                ["RABBITMQ_PID_FILE"] = Path.Combine(directory, "rabbitmq.pid"),
                ["RABBITMQ_CONFIG_FILE"] = Path.Combine(directory, "rabbitmq"),
                ["RABBITMQ_ADVANCED_CONFIG_FILE"] = Path.Combine(directory, "advanced.config"),
                ["RABBITMQ_CONF_ENV_FILE"] = Path.Combine(directory, "rabbitmq-env.conf"),
                ["RABBITMQ_DEFAULT_USER"] = "alle",
                ["RABBITMQ_DEFAULT_PASS"] = Password.Value,
                // Makes the start script exec the Erlang VM in place instead of waiting on it from a shell.
                ["RUNNING_UNDER_SYSTEMD"] = "1",
            },
            RunAsUser: RunContext.IsRoot ? ServiceAccount : null);
    }

    internal override async Task<HealthResult> CheckHealthAsync(int replica, CancellationToken cancellationToken)
    {
        try
        {
            var factory = new ConnectionFactory { Uri = new Uri(AmqpUri()), RequestedConnectionTimeout = TimeSpan.FromSeconds(3), AutomaticRecoveryEnabled = false };
            await using var connection = await factory.CreateConnectionAsync("alle-apphost-health", cancellationToken);
            return connection.IsOpen ? HealthResult.Healthy : HealthResult.Unhealthy("Connection closed.");
        }
        catch (Exception exception) when (exception is RabbitMQ.Client.Exceptions.BrokerUnreachableException or SocketException or IOException
            or RabbitMQ.Client.Exceptions.OperationInterruptedException or TimeoutException or OperationCanceledException)
        {
            return HealthResult.Unhealthy(exception.Message);
        }
    }
}

/// <summary>Erlang's port mapper on a private port, started (and stopped) by the AppHost so it never outlives the node.</summary>
public sealed class PortMapperResource : RunnableResource
{
    private readonly EndpointAnnotation _endpoint = new("tcp", "tcp");

    private readonly string _brokerName;

    internal PortMapperResource(string name, string brokerName) : base(name)
    {
        _brokerName = brokerName;
        EndpointList.Add(_endpoint);
    }

    public override string Kind => "epmd";

    public int Port => _endpoint.AllocatedPorts[0];

    // An existing broker brings its own port mapper.
    internal override void Configure(RunContext context) => IsExternal = context.ExistingConnectionString(_brokerName) is not null;

    internal override ProcessSpec CreateProcess(RunContext context, int replica) => new(
        ServerBinaries.Find("epmd", "erlang-base", "/usr/lib/erlang/bin"),
        ["-port", Port.ToString(CultureInfo.InvariantCulture)],
        context.ResourceDirectory(Name),
        new Dictionary<string, string>());

    internal override async Task<HealthResult> CheckHealthAsync(int replica, CancellationToken cancellationToken)
    {
        if (IsExternal)
        {
            return HealthResult.Healthy;
        }

        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", Port, cancellationToken);
            return HealthResult.Healthy;
        }
        catch (SocketException exception)
        {
            return HealthResult.Unhealthy(exception.Message);
        }
    }
}

public static class RabbitMQBuilderExtensions
{
    public static IResourceBuilder<RabbitMQServerResource> AddRabbitMQ(this DistributedApplicationBuilder builder, string name)
    {
        var password = builder.AddSecret($"{name}-password", $"{name} password", showAtStart: false).Resource;
        var portMapper = builder.AddResource(new PortMapperResource($"{name}-epmd", name));
        var server = builder.AddResource(new RabbitMQServerResource(name, password, portMapper.Resource));
        server.Resource.WaitsFor.Add(portMapper.Resource);
        return server;
    }
}
