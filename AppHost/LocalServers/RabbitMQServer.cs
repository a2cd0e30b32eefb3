using System.Globalization;
using System.Net.Sockets;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using RabbitMQ.Client;
using Alle.AppHost.Supervision;

namespace Alle.AppHost.LocalServers;

/// <summary>
/// A private RabbitMQ node from Debian's package: its own node name, ports, data and log folders and its own Erlang
/// port mapper (<c>{name}-epmd</c>), so it never meets a system instance. Debian's node takes about 7 s to start.
/// </summary>
public sealed class RabbitMQServerResource(string name, string command, string workingDirectory, ParameterResource password)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    public const string EndpointName = "tcp";
    public const string UserName = "alle";

    public ParameterResource Password { get; } = password;

    public EndpointReference Endpoint => new(this, EndpointName);

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"amqp://{UserName}:{Password}@127.0.0.1:{Endpoint.Property(EndpointProperty.TargetPort)}/");
}

public static class RabbitMQServerExtensions
{
    private const string Account = "rabbitmq";

    /// <summary>
    /// Adds the application's RabbitMQ: a local node, unless <c>ConnectionStrings:{name}</c> names an existing broker;
    /// when published, a connection-string parameter for a managed one.
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddRabbitMQServer(this IDistributedApplicationBuilder builder, string name)
    {
        if (builder.ExecutionContext.IsPublishMode || !string.IsNullOrEmpty(builder.Configuration.GetConnectionString(name)))
        {
            return builder.AddConnectionString(name);
        }

        var state = StateFolder.Of(builder);
        var directory = state.ServerDirectory(name);
        var passwordValue = state.Password(name);
        var password = builder.AddParameter($"{name}-password", () => passwordValue, secret: true);
        foreach (var folder in new[] { "mnesia", "log", "home" })
        {
            Directory.CreateDirectory(Path.Combine(directory, folder));
        }
        File.WriteAllText(Path.Combine(directory, "enabled_plugins"), "[].");
        ServiceAccount.Own(directory, Account);

        var amqpPort = state.Port($"{name}/amqp");
        var distributionPort = state.Port($"{name}/distribution").ToString(CultureInfo.InvariantCulture);
        var epmdPort = state.Port($"{name}/epmd");

        var epmd = builder.AddExecutable($"{name}-epmd", ServerPrograms.FindOrExit("epmd", "erlang-base", "/usr/lib/erlang/bin"), directory,
                "-port", epmdPort.ToString(CultureInfo.InvariantCulture))
            .WithHealthCheck(AddTcpHealthCheck(builder, $"{name}-epmd_check", epmdPort))
            .WithIconName("PlugConnected")
            .RestartOnCrash();

        // The package's wrapper in /usr/sbin insists on su; the real script lives beside the broker.
        var (command, prefix) = ServiceAccount.RunAs(Account, ServerPrograms.FindOrExit("rabbitmq-server", "rabbitmq-server", "/usr/lib/rabbitmq/bin"));
        var server = new RabbitMQServerResource(name, BoundedStop.Shell, directory, password.Resource);
        var healthCheck = $"{name}_check";
        IConnection? connection = null;
        builder.Services.AddHealthChecks().AddRabbitMQ(async _ => connection ??= await new ConnectionFactory
        {
            Uri = new Uri($"amqp://{RabbitMQServerResource.UserName}:{passwordValue}@127.0.0.1:{amqpPort}/"),
            ClientProvidedName = "alle-apphost-health",
        }.CreateConnectionAsync(), name: healthCheck);

        return builder.AddResource(server)
            .WithEndpoint(RabbitMQServerResource.EndpointName, endpoint =>
            {
                endpoint.UriScheme = "amqp";
                endpoint.Port = amqpPort;
                endpoint.TargetPort = amqpPort;
                endpoint.IsProxied = false;
            })
            // SIGTERM is the node's orderly shutdown; durable queues and confirmed messages survive a forced one.
            .WithArgs(BoundedStop.Arguments(name, "TERM", "KILL", command, prefix))
            .WithEnvironment(context =>
            {
                var env = context.EnvironmentVariables;
                env["HOME"] = Path.Combine(directory, "home");
                env["ERL_EPMD_PORT"] = epmdPort.ToString(CultureInfo.InvariantCulture);
                // A fixed node name: RabbitMQ keeps its data per node name.
                env["RABBITMQ_NODENAME"] = $"alle-{name}@localhost";
                env["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1";
                env["RABBITMQ_NODE_PORT"] = amqpPort.ToString(CultureInfo.InvariantCulture);
                env["RABBITMQ_DIST_PORT"] = distributionPort;
                env["RABBITMQ_SERVER_START_ARGS"] = $"-kernel inet_dist_listen_min {distributionPort} inet_dist_listen_max {distributionPort}";
                env["RABBITMQ_MNESIA_BASE"] = Path.Combine(directory, "mnesia");
                env["RABBITMQ_LOG_BASE"] = Path.Combine(directory, "log");
                env["RABBITMQ_LOGS"] = "-";
                env["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(directory, "enabled_plugins");
                env["RABBITMQ_PID_FILE"] = Path.Combine(directory, "rabbitmq.pid");
                env["RABBITMQ_CONFIG_FILE"] = Path.Combine(directory, "rabbitmq");
                env["RABBITMQ_ADVANCED_CONFIG_FILE"] = Path.Combine(directory, "advanced.config");
                env["RABBITMQ_CONF_ENV_FILE"] = Path.Combine(directory, "rabbitmq-env.conf");
                env["RABBITMQ_DEFAULT_USER"] = RabbitMQServerResource.UserName;
                env["RABBITMQ_DEFAULT_PASS"] = password.Resource;
                // Makes the start script exec the Erlang VM in place instead of waiting on it from a shell.
                env["RUNNING_UNDER_SYSTEMD"] = "1";
            })
            .WithHealthCheck(healthCheck)
            .WithIconName("Mail")
            .RestartOnCrash()
            .WaitFor(epmd)
            .AsConnectionString();
    }

    private static string AddTcpHealthCheck(IDistributedApplicationBuilder builder, string name, int port)
    {
        builder.Services.AddHealthChecks().AddAsyncCheck(name, async cancellationToken =>
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port, cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (SocketException exception)
            {
                return HealthCheckResult.Unhealthy(exception.Message);
            }
        });
        return name;
    }
}
