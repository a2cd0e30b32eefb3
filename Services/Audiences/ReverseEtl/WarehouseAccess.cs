using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Alle.Audiences.ReverseEtl;

internal sealed class ReverseEtlOptions
{
    /// <summary>A ready read-only connection to the warehouse; when unset, a read-only role is created with the warehousedb connection.</summary>
    public string? ReaderConnectionString { get; set; }

    public string ReaderRole { get; set; } = "audiences_reader";

    /// <summary>Rows a model may return; a larger result fails the run rather than exhaust memory.</summary>
    public int MaxRows { get; set; } = 200_000;

    /// <summary>How often due schedules and queued runs are looked for.</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Create <c>ml.offer_propensity</c> with demo rows if missing, and the demo model reading it.</summary>
    public bool SeedDemo { get; set; } = true;
}

/// <summary>
/// The two ways into warehousedb: the connection the platform gives (a superuser in development), used only to create
/// and maintain the read-only role, and that role's connections, on which every model query runs. The role can log in
/// and SELECT, nothing else; its transactions are read-only by default and its statements time out.
/// </summary>
internal sealed class WarehouseAccess(
    [FromKeyedServices("warehousedb")] NpgsqlDataSource owner,
    IConfiguration configuration,
    Microsoft.Extensions.Options.IOptions<ReverseEtlOptions> options,
    ILogger<WarehouseAccess> logger) : IAsyncDisposable
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private NpgsqlDataSource? _reader;

    public Task Ready => _ready.Task;

    /// <summary>Connections as the read-only role.</summary>
    public NpgsqlDataSource Reader => _reader ?? throw new InvalidOperationException("The warehouse reader is not set up yet.");

    public async Task SetUpAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!string.IsNullOrWhiteSpace(settings.ReaderConnectionString))
        {
            _reader = new NpgsqlDataSourceBuilder(settings.ReaderConnectionString).TraceOperationsOnly().Build();
        }
        else
        {
            var ownerConnection = new NpgsqlConnectionStringBuilder(configuration.GetConnectionString("warehousedb"));
            var password = DerivePassword(ownerConnection.Password ?? "");
            await CreateRoleAsync(settings.ReaderRole, password, cancellationToken);
            _reader = new NpgsqlDataSourceBuilder(new NpgsqlConnectionStringBuilder(ownerConnection.ConnectionString)
            {
                Username = settings.ReaderRole,
                Password = password,
                ApplicationName = "audiences-reverse-etl",
            }.ConnectionString).TraceOperationsOnly().Build();
        }
        if (settings.SeedDemo)
        {
            await SeedDemoTableAsync(cancellationToken);
        }
        await RefreshGrantsAsync(cancellationToken);
        _ready.TrySetResult();
    }

    /// <summary>
    /// Lets the role read every table of the warehouse's schemas, including schemas and tables created since the last
    /// run (the data team adds them); never any other privilege.
    /// </summary>
    public async Task RefreshGrantsAsync(CancellationToken cancellationToken)
    {
        if (!string.IsNullOrWhiteSpace(options.Value.ReaderConnectionString))
        {
            return;
        }
        await using var connection = await owner.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand($$"""
            DO $grants$
            DECLARE schema_name text;
            BEGIN
                FOR schema_name IN SELECT nspname FROM pg_namespace
                    WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg\_%'
                LOOP
                    EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', schema_name, {{Literal(options.Value.ReaderRole)}});
                    EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO %I', schema_name, {{Literal(options.Value.ReaderRole)}});
                END LOOP;
            END
            $grants$;
            """, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task CreateRoleAsync(string role, string password, CancellationToken cancellationToken)
    {
        await using var connection = await owner.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Roles are cluster-wide and replicas start together: one at a time.
        await using (var lockRole = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtextextended('audiences-reader-role', 7))", connection))
        {
            await lockRole.ExecuteNonQueryAsync(cancellationToken);
        }
        await using var command = new NpgsqlCommand($$"""
            DO $role$
            BEGIN
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = {{Literal(role)}}) THEN
                    EXECUTE format('CREATE ROLE %I LOGIN', {{Literal(role)}});
                END IF;
                EXECUTE format('ALTER ROLE %I WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD %L',
                               {{Literal(role)}}, {{Literal(password)}});
                EXECUTE format('ALTER ROLE %I SET default_transaction_read_only = on', {{Literal(role)}});
                EXECUTE format('ALTER ROLE %I SET statement_timeout = %L', {{Literal(role)}}, '60s');
                EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), {{Literal(role)}});
            END
            $role$;
            """, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        logger.LogInformation("The read-only warehouse role {Role} is ready.", role);
    }

    private async Task SeedDemoTableAsync(CancellationToken cancellationToken)
    {
        await using var connection = await owner.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            SELECT pg_advisory_xact_lock(hashtextextended('audiences-demo-seed', 7));
            CREATE SCHEMA IF NOT EXISTS ml;
            DO $seed$
            BEGIN
                IF to_regclass('ml.offer_propensity') IS NULL THEN
                    CREATE TABLE ml.offer_propensity (
                        user_id    text PRIMARY KEY,
                        score      numeric(4, 3) NOT NULL CHECK (score BETWEEN 0 AND 1),
                        best_offer text
                    );
                    COMMENT ON TABLE ml.offer_propensity IS 'Demo: offer propensity scores written by the data team''s model.';
                    INSERT INTO ml.offer_propensity (user_id, score, best_offer) VALUES
                        ('demo-member-1', 0.912, 'spring-filler-50'),
                        ('demo-member-2', 0.745, 'botox-20'),
                        ('demo-member-3', 0.310, 'spring-filler-50'),
                        ('demo-member-4', 0.058, NULL),
                        ('demo-member-5', 0.684, 'peel-15');
                END IF;
            END
            $seed$;
            """, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>A password only this deployment can derive (from the owner's secret), the same on every replica.</summary>
    private static string DerivePassword(string ownerPassword) =>
        Convert.ToHexString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(ownerPassword), "audiences-reverse-etl-reader"u8)).ToLowerInvariant();

    private static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    public async ValueTask DisposeAsync()
    {
        if (_reader is not null)
        {
            await _reader.DisposeAsync();
        }
    }

    public static string TimeoutSetting(int seconds) => $"SET LOCAL statement_timeout = '{(seconds * 1000).ToString(CultureInfo.InvariantCulture)}ms'";
}
