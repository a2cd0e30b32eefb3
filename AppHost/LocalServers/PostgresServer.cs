using System.Globalization;
using Aspire.Hosting.Publishing;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using Alle.AppHost.Supervision;

namespace Alle.AppHost.LocalServers;

/// <summary>A PostgreSQL server from Debian's package, with its own cluster in the state folder, on loopback.</summary>
public sealed class PostgresServerResource(string name, string command, string workingDirectory, ParameterResource password)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    public const string EndpointName = "tcp";

    public ParameterResource Password { get; } = password;

    public EndpointReference Endpoint => new(this, EndpointName);

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Host=127.0.0.1;Port={Endpoint.Property(EndpointProperty.TargetPort)};Username=postgres;Password={Password}");
}

/// <summary>
/// A database on a PostgreSQL server, ours or an existing one (<c>ConnectionStrings:postgres</c>); referencing it passes
/// <c>ConnectionStrings__{name}</c>. Created when the server is ready, if missing.
/// </summary>
public sealed class PostgresDatabaseResource(string name, string databaseName, IResourceWithConnectionString server)
    : Resource(name), IResourceWithParent<IResourceWithConnectionString>, IResourceWithConnectionString
{
    public string DatabaseName { get; } = databaseName;

    public IResourceWithConnectionString Parent { get; } = server;

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create($"{Parent};Database={DatabaseName}");

    /// <summary>Known once the database exists; what its health check connects with.</summary>
    internal string? ResolvedConnectionString { get; set; }
}

/// <summary>
/// The PostgreSQL server of the application. When run, a local server, unless <c>ConnectionStrings:postgres</c> names an
/// existing one; when published, a connection-string parameter for a managed server.
/// </summary>
public sealed class PostgresServer
{
    private readonly IDistributedApplicationBuilder _builder;

    internal PostgresServer(IDistributedApplicationBuilder builder, IResourceBuilder<IResourceWithConnectionString> server)
    {
        _builder = builder;
        Resource = server;
    }

    public IResourceBuilder<IResourceWithConnectionString> Resource { get; }

    /// <summary>A database on this server, or the one <c>ConnectionStrings:{name}</c> names.</summary>
    public IResourceBuilder<IResourceWithConnectionString> AddDatabase(string name, string? databaseName = null)
    {
        if (_builder.ExecutionContext.IsRunMode && !string.IsNullOrEmpty(_builder.Configuration.GetConnectionString(name)))
        {
            return _builder.AddConnectionString(name);
        }

        var database = new PostgresDatabaseResource(name, databaseName ?? name, Resource.Resource);
        var healthCheck = $"{name}_check";
        _builder.Services.AddHealthChecks().AddNpgSql(
            _ => database.ResolvedConnectionString ?? throw new InvalidOperationException("The database does not exist yet."), name: healthCheck);

        var resource = _builder.AddResource(database)
            .WithHealthCheck(healthCheck)
            .WithIconName("Database")
            .WithManifestPublishingCallback(context => WriteValue(context, database));
        if (_builder.ExecutionContext.IsRunMode)
        {
            resource.OnInitializeResource((db, @event, cancellationToken) => FollowServerAsync(db, @event.Notifications, @event.Logger, cancellationToken));
        }
        return resource;
    }

    private static void WriteValue(ManifestPublishingContext context, PostgresDatabaseResource database)
    {
        context.Writer.WriteString("type", "value.v0");
        context.WriteConnectionString(database);
    }

    /// <summary>
    /// A database runs while its server runs (Aspire hands a parent's state down to container children only): it is
    /// created, if missing, the first time the server is up, then follows the server's state.
    /// </summary>
    private static async Task FollowServerAsync(PostgresDatabaseResource database, ResourceNotificationService notifications,
        ILogger logger, CancellationToken cancellationToken)
    {
        var created = false;
        string? published = null;
        await foreach (var update in notifications.WatchAsync(cancellationToken))
        {
            if (update.Resource != database.Parent)
            {
                continue;
            }
            var serverState = update.Snapshot.State?.Text;
            var serverUp = serverState == KnownResourceStates.Running && update.Snapshot.HealthStatus is null or HealthStatus.Healthy;
            if (serverUp && !created)
            {
                created = await CreateAsync(database, logger, cancellationToken);
            }
            var state = serverUp ? KnownResourceStates.Running : serverState ?? KnownResourceStates.Starting;
            if (state != published)
            {
                published = state;
                await notifications.PublishUpdateAsync(database, s => s with
                {
                    State = state,
                    StartTimeStamp = state == KnownResourceStates.Running ? DateTime.UtcNow : s.StartTimeStamp,
                });
            }
        }
    }

    private static async Task<bool> CreateAsync(PostgresDatabaseResource database, ILogger logger, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var server = await database.Parent.ConnectionStringExpression.GetValueAsync(cancellationToken);
                await CreateDatabaseAsync(server!, database.DatabaseName, cancellationToken);
                database.ResolvedConnectionString = await database.ConnectionStringExpression.GetValueAsync(cancellationToken);
                return true;
            }
            catch (NpgsqlException exception) when (attempt < 30)
            {
                logger.LogWarning("Database {Database} could not be created yet ({Reason}); retrying.", database.DatabaseName, exception.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }
    }

    private static async Task CreateDatabaseAsync(string serverConnectionString, string database, CancellationToken cancellationToken)
    {
        var settings = new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = "postgres", Pooling = false };
        await using var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection);
        exists.Parameters.AddWithValue(database);
        if (await exists.ExecuteScalarAsync(cancellationToken) is null)
        {
            await using var create = new NpgsqlCommand($"CREATE DATABASE {new NpgsqlCommandBuilder().QuoteIdentifier(database)}", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}

public static class PostgresServerExtensions
{
    private const string Account = "postgres";

    /// <summary>
    /// Adds the application's PostgreSQL server: a local one from Debian's <c>postgresql</c> package (initialised by a
    /// <c>{name}-init</c> step the first time), an existing one named by <c>ConnectionStrings:{name}</c>, or, when
    /// published, a connection-string parameter.
    /// </summary>
    public static PostgresServer AddPostgresServer(this IDistributedApplicationBuilder builder, string name)
    {
        if (builder.ExecutionContext.IsPublishMode || !string.IsNullOrEmpty(builder.Configuration.GetConnectionString(name)))
        {
            return new PostgresServer(builder, builder.AddConnectionString(name));
        }

        var state = StateFolder.Of(builder);
        var directory = state.ServerDirectory(name);
        var data = Path.Combine(directory, "data");
        var sockets = Path.Combine(directory, "run");
        Directory.CreateDirectory(sockets);
        var passwordValue = state.Password(name);
        var password = builder.AddParameter($"{name}-password", () => passwordValue, secret: true);
        ServiceAccount.Own(directory, Account);

        var bin = ServerPrograms.PostgresDirectories();
        var initdb = ServerPrograms.FindOrExit("initdb", "postgresql", bin);
        var postgres = ServerPrograms.FindOrExit("postgres", "postgresql", bin);

        // SIGTERM is PostgreSQL's "smart" shutdown, which waits for every client to leave: a stop is its fast shutdown
        // (SIGINT), which disconnects them, then its immediate one (SIGQUIT).
        var (command, prefix) = ServiceAccount.RunAs(Account, postgres);
        var server = new PostgresServerResource(name, BoundedStop.Shell, directory, password.Resource);
        string? connectionString = null;
        builder.Eventing.Subscribe<ConnectionStringAvailableEvent>(server, async (_, cancellationToken) =>
            connectionString = await server.ConnectionStringExpression.GetValueAsync(cancellationToken));
        var healthCheck = $"{name}_check";
        builder.Services.AddHealthChecks().AddNpgSql(_ => connectionString ?? throw new InvalidOperationException("The connection string is not known yet."),
            name: healthCheck, configure: connection => connection.ConnectionString += ";Database=postgres");

        // pg_stat_statements (in Debian's postgresql package) records where the server spends its time, for
        // benchmarks and anyone asking "which query is slow": CREATE EXTENSION pg_stat_statements, then read the view.
        string[] statementStatistics = File.Exists(Path.Combine(Path.GetDirectoryName(postgres)!, "..", "lib", "pg_stat_statements.so"))
            ? ["-c", "shared_preload_libraries=pg_stat_statements"]
            : [];
        var port = state.Port($"{name}/{PostgresServerResource.EndpointName}");
        var resource = builder.AddResource(server)
            .WithEndpoint(PostgresServerResource.EndpointName, endpoint =>
            {
                endpoint.UriScheme = "tcp";
                endpoint.Port = port;
                endpoint.TargetPort = port;
                endpoint.IsProxied = false;
            })
            .WithArgs(BoundedStop.Arguments(name, "INT", "QUIT", command, [.. prefix,
                "-D", data, "-p", port.ToString(CultureInfo.InvariantCulture), "-k", sockets, "-c", "listen_addresses=127.0.0.1",
                "-c", "max_connections=500", "-c", "shared_buffers=256MB", "-c", "log_min_messages=warning", "-c", "log_line_prefix=%m [%p] ", .. statementStatistics]))
            .WithHealthCheck(healthCheck)
            .WithIconName("DatabaseMultiple")
            .RestartOnCrash();

        // The cluster is created once, by its own step, which the server waits for.
        if (!File.Exists(Path.Combine(data, "PG_VERSION")))
        {
            var (initCommand, initPrefix) = ServiceAccount.RunAs(Account, initdb);
            var init = builder.AddExecutable($"{name}-init", initCommand, directory)
                .WithArgs([.. initPrefix, "-D", data, "-U", "postgres", $"--pwfile={Path.Combine(directory, "password")}",
                    "--auth-local=trust", "--auth-host=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8", "--no-instructions"])
                .WithParentRelationship(resource)
                .WithIconName("DatabaseArrowRight");
            resource.WaitForCompletion(init);
        }
        return new PostgresServer(builder, resource.AsConnectionString());
    }
}
