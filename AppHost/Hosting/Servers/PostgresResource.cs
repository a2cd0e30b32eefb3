using Npgsql;

namespace Alle.Hosting;

/// <summary>
/// A PostgreSQL server with its own cluster under the state folder, listening on loopback. As root, the cluster belongs
/// to the <c>postgres</c> account (initdb refuses root), so the state folder must be traversable by it.
/// </summary>
public sealed class PostgresServerResource : RunnableResource, IResourceWithConnectionString
{
    private const string ServiceAccount = "postgres";
    private readonly EndpointAnnotation _endpoint = new("tcp", "tcp");
    private string? _existingConnectionString;
    private string _dataDirectory = "";
    private string _socketDirectory = "";

    internal PostgresServerResource(string name, ParameterResource password) : base(name)
    {
        Password = password;
        EndpointList.Add(_endpoint);
    }

    public override string Kind => "postgres";

    public ParameterResource Password { get; }

    public List<PostgresDatabaseResource> Databases { get; } = [];

    public IValueProvider ConnectionString => new DeferredValue(ServerConnectionString, $"{{{Name}.connectionString}}");

    internal string ServerConnectionString() => _existingConnectionString
        ?? $"Host=127.0.0.1;Port={_endpoint.AllocatedPorts[0]};Username=postgres;Password={Password.Value}";

    internal override void EnsureInstalled(Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        if (string.IsNullOrEmpty(configuration.GetConnectionString(Name)))
        {
            ServerBinaries.Find("initdb", "postgresql", ServerBinaries.PostgresDirectories());
            ServerBinaries.Find("postgres", "postgresql", ServerBinaries.PostgresDirectories());
        }
    }

    internal override void Configure(RunContext context)
    {
        _existingConnectionString = context.ExistingConnectionString(Name);
        IsExternal = _existingConnectionString is not null;
        var directory = Path.Combine(context.Options.StateDirectory, Name);
        _dataDirectory = Path.Combine(directory, "data");
        _socketDirectory = Path.Combine(directory, "run");
    }

    internal override async Task PrepareAsync(RunContext context, CancellationToken cancellationToken)
    {
        if (IsExternal)
        {
            return;
        }

        var initdb = ServerBinaries.Find("initdb", "postgresql", ServerBinaries.PostgresDirectories());
        Directory.CreateDirectory(_socketDirectory);
        var owner = RunContext.IsRoot ? ServiceAccount : null;

        if (!File.Exists(Path.Combine(_dataDirectory, "PG_VERSION")))
        {
            var directory = context.ResourceDirectory(Name);
            var passwordFile = Path.Combine(directory, "initdb-password");
            await File.WriteAllTextAsync(passwordFile, Password.Value, cancellationToken);
            try
            {
                await CommandRunner.GiveToUserAsync(directory, owner, cancellationToken);
                await CommandRunner.RunOrThrowAsync(new ProcessSpec(initdb,
                    ["-D", _dataDirectory, "-U", "postgres", $"--pwfile={passwordFile}", "--auth-local=trust", "--auth-host=scram-sha-256",
                     "--encoding=UTF8", "--locale=C.UTF-8", "--no-instructions"],
                    directory, new Dictionary<string, string>(), RunAsUser: owner), cancellationToken);
            }
            finally
            {
                File.Delete(passwordFile);
            }
        }

        await CommandRunner.GiveToUserAsync(context.ResourceDirectory(Name), owner, cancellationToken);
    }

    internal override ProcessSpec CreateProcess(RunContext context, int replica) => new(
        ServerBinaries.Find("postgres", "postgresql", ServerBinaries.PostgresDirectories()),
        ["-D", _dataDirectory, "-p", _endpoint.AllocatedPorts[0].ToString(System.Globalization.CultureInfo.InvariantCulture),
         "-k", _socketDirectory, "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=500", "-c", "shared_buffers=256MB",
         "-c", "log_min_messages=warning", "-c", "log_line_prefix=%m [%p] "],
        context.ResourceDirectory(Name),
        new Dictionary<string, string>(),
        RunAsUser: RunContext.IsRoot ? ServiceAccount : null,
        // SIGINT is PostgreSQL's fast shutdown: clients are disconnected rather than waited for.
        StopSignal: ProcessSignals.SIGINT);

    internal override async Task<HealthResult> CheckHealthAsync(int replica, CancellationToken cancellationToken)
    {
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(ServerConnectionString()) { Database = "postgres", Pooling = false, Timeout = 3 };
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthResult.Healthy;
        }
        catch (Exception exception) when (exception is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            return HealthResult.Unhealthy(exception.Message);
        }
    }

    /// <summary>Creates the databases declared with <see cref="PostgresBuilderExtensions.AddDatabase"/> that do not exist yet.</summary>
    internal override async Task OnFirstHealthyAsync(CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(ServerConnectionString()) { Database = "postgres", Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        foreach (var database in Databases)
        {
            await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection);
            exists.Parameters.AddWithValue(database.DatabaseName);
            if (await exists.ExecuteScalarAsync(cancellationToken) is null)
            {
                await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database.DatabaseName}\"", connection);
                await create.ExecuteNonQueryAsync(cancellationToken);
            }
        }
    }
}

/// <summary>A database on a <see cref="PostgresServerResource"/>; referencing it passes <c>ConnectionStrings__{name}</c>.</summary>
public sealed class PostgresDatabaseResource(string name, string databaseName, PostgresServerResource server)
    : Resource(name), IResourceWithConnectionString, IResourceWithParent
{
    public string DatabaseName { get; } = databaseName;
    public PostgresServerResource Server { get; } = server;
    public RunnableResource Parent => Server;

    internal RunContext? Context { get; set; }

    public IValueProvider ConnectionString => new DeferredValue(
        () => Context?.ExistingConnectionString(Name)
            ?? new NpgsqlConnectionStringBuilder(Server.ServerConnectionString()) { Database = DatabaseName }.ConnectionString,
        $"{{{Name}.connectionString}}");
}

/// <summary>A resource that lives inside a runnable one and is healthy when its parent is.</summary>
public interface IResourceWithParent : IResource
{
    RunnableResource Parent { get; }
}

public static class PostgresBuilderExtensions
{
    public static IResourceBuilder<PostgresServerResource> AddPostgres(this DistributedApplicationBuilder builder, string name)
    {
        var password = builder.AddSecret($"{name}-password", $"{name} password", showAtStart: false).Resource;
        return builder.AddResource(new PostgresServerResource(name, password));
    }

    public static IResourceBuilder<PostgresDatabaseResource> AddDatabase(this IResourceBuilder<PostgresServerResource> server, string name, string? databaseName = null)
    {
        var database = new PostgresDatabaseResource(name, databaseName ?? name, server.Resource);
        server.Resource.Databases.Add(database);
        return server.ApplicationBuilder.AddResource(database);
    }
}
