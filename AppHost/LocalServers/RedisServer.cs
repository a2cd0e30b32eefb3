using System.Globalization;
using StackExchange.Redis;
using Alle.AppHost.Supervision;

namespace Alle.AppHost.LocalServers;

/// <summary>A Redis server from Debian's package on loopback, with a password and an append-only file in the state folder.</summary>
public sealed class RedisServerResource(string name, string command, string workingDirectory, ParameterResource password)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    public const string EndpointName = "tcp";

    public ParameterResource Password { get; } = password;

    public EndpointReference Endpoint => new(this, EndpointName);

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"127.0.0.1:{Endpoint.Property(EndpointProperty.TargetPort)},password={Password}");
}

public static class RedisServerExtensions
{
    /// <summary>
    /// Adds the application's Redis: a local server, unless <c>ConnectionStrings:{name}</c> names an existing one; when
    /// published, a connection-string parameter for a managed cache.
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddRedisServer(this IDistributedApplicationBuilder builder, string name)
    {
        if (builder.ExecutionContext.IsPublishMode || !string.IsNullOrEmpty(builder.Configuration.GetConnectionString(name)))
        {
            return builder.AddConnectionString(name);
        }

        var state = StateFolder.Of(builder);
        var directory = state.ServerDirectory(name);
        var passwordValue = state.Password(name);
        var password = builder.AddParameter($"{name}-password", () => passwordValue, secret: true);
        var port = state.Port($"{name}/{RedisServerResource.EndpointName}");

        // The password goes in a file only the AppHost's user can read, not on the command line the dashboard shows.
        var configFile = Path.Combine(directory, "redis.conf");
        StateFolder.WriteSecretFile(configFile, $"requirepass {passwordValue}\n");

        var server = new RedisServerResource(name, ServerPrograms.FindOrExit("redis-server", "redis-server"), directory, password.Resource);
        var healthCheck = $"{name}_check";
        builder.Services.AddHealthChecks().AddRedis(
            _ => ConnectionMultiplexer.Connect($"127.0.0.1:{port},password={passwordValue},abortConnect=false,connectTimeout=2000"),
            name: healthCheck);

        return builder.AddResource(server)
            .WithEndpoint(RedisServerResource.EndpointName, endpoint =>
            {
                endpoint.UriScheme = "tcp";
                endpoint.Port = port;
                endpoint.TargetPort = port;
                endpoint.IsProxied = false;
            })
            .WithArgs(configFile, "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", directory,
                "--appendonly", "yes", "--save", "", "--daemonize", "no", "--protected-mode", "yes", "--loglevel", "warning")
            .WithHealthCheck(healthCheck)
            .WithIconName("Memory")
            .RestartOnCrash()
            .AsConnectionString();
    }
}
