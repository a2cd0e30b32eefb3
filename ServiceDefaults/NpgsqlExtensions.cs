using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>Settings bound from <c>Aspire:Npgsql</c> then <c>Aspire:Npgsql:{connectionName}</c>.</summary>
public sealed class NpgsqlSettings
{
    public string? ConnectionString { get; set; }
    public bool DisableHealthChecks { get; set; }
    public bool DisableTracing { get; set; }
    public bool DisableMetrics { get; set; }
}

/// <summary>PostgreSQL client registrations keyed by connection name, with a health check and tracing.</summary>
public static class NpgsqlExtensions
{
    private const string SettingsSection = "Aspire:Npgsql";
    private const string EntityFrameworkSettingsSection = "Aspire:Npgsql:EntityFrameworkCore:PostgreSQL";

    /// <summary>Registers an <see cref="NpgsqlDataSource"/> for <c>ConnectionStrings:{connectionName}</c>.</summary>
    public static void AddNpgsqlDataSource(this IHostApplicationBuilder builder, string connectionName,
        Action<NpgsqlSettings>? configureSettings = null, Action<NpgsqlDataSourceBuilder>? configureDataSourceBuilder = null)
        => AddDataSource(builder, connectionName, serviceKey: null, configureSettings, configureDataSourceBuilder);

    /// <summary>Registers an <see cref="NpgsqlDataSource"/> keyed by <paramref name="connectionName"/>, for services that talk to several databases.</summary>
    public static void AddKeyedNpgsqlDataSource(this IHostApplicationBuilder builder, string connectionName,
        Action<NpgsqlSettings>? configureSettings = null, Action<NpgsqlDataSourceBuilder>? configureDataSourceBuilder = null)
        => AddDataSource(builder, connectionName, serviceKey: connectionName, configureSettings, configureDataSourceBuilder);

    /// <summary>Registers a pooled EF Core <typeparamref name="TContext"/> on <c>ConnectionStrings:{connectionName}</c> with retries on transient failures.</summary>
    public static void AddNpgsqlDbContext<TContext>(this IHostApplicationBuilder builder, string connectionName,
        Action<NpgsqlSettings>? configureSettings = null, Action<DbContextOptionsBuilder>? configureDbContextOptions = null)
        where TContext : DbContext
    {
        var settings = BindSettings(builder.Configuration, EntityFrameworkSettingsSection, connectionName, configureSettings);
        var connectionString = ConnectionStrings.Require(builder.Configuration, connectionName, settings.ConnectionString);

        builder.Services.AddDbContextPool<TContext>(options =>
        {
            options.UseNpgsql(connectionString, npgsql => npgsql.EnableRetryOnFailure());
            configureDbContextOptions?.Invoke(options);
        });

        if (!settings.DisableHealthChecks)
        {
            builder.Services.AddHealthChecks().AddDbContextCheck<TContext>($"postgres-{connectionName}-{typeof(TContext).Name}");
        }

        AddTelemetry(builder, settings);
    }

    private static void AddDataSource(IHostApplicationBuilder builder, string connectionName, string? serviceKey,
        Action<NpgsqlSettings>? configureSettings, Action<NpgsqlDataSourceBuilder>? configureDataSourceBuilder)
    {
        var settings = BindSettings(builder.Configuration, SettingsSection, connectionName, configureSettings);
        var connectionString = ConnectionStrings.Require(builder.Configuration, connectionName, settings.ConnectionString);

        NpgsqlDataSource Create(IServiceProvider services)
        {
            var dataSourceBuilder = new NpgsqlDataSourceBuilder(connectionString);
            dataSourceBuilder.UseLoggerFactory(services.GetService<Logging.ILoggerFactory>());
            dataSourceBuilder.Name = connectionName;
            configureDataSourceBuilder?.Invoke(dataSourceBuilder);
            return dataSourceBuilder.Build();
        }

        if (serviceKey is null)
        {
            builder.Services.AddSingleton(Create);
            builder.Services.AddSingleton<System.Data.Common.DbDataSource>(services => services.GetRequiredService<NpgsqlDataSource>());
        }
        else
        {
            builder.Services.AddKeyedSingleton(serviceKey, (services, _) => Create(services));
        }

        if (!settings.DisableHealthChecks)
        {
            builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
                $"postgres-{connectionName}",
                services => new NpgsqlHealthCheck(serviceKey is null
                    ? services.GetRequiredService<NpgsqlDataSource>()
                    : services.GetRequiredKeyedService<NpgsqlDataSource>(serviceKey)),
                failureStatus: default,
                tags: ["ready"]));
        }

        AddTelemetry(builder, settings);
    }

    private static NpgsqlSettings BindSettings(IConfiguration configuration, string section, string connectionName, Action<NpgsqlSettings>? configure)
    {
        var settings = new NpgsqlSettings();
        configuration.GetSection(section).Bind(settings);
        configuration.GetSection($"{section}:{connectionName}").Bind(settings);
        configure?.Invoke(settings);
        return settings;
    }

    private static void AddTelemetry(IHostApplicationBuilder builder, NpgsqlSettings settings)
    {
        if (!settings.DisableTracing)
        {
            builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing.AddNpgsql());
        }

        if (!settings.DisableMetrics)
        {
            builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter("Npgsql"));
        }
    }

    private sealed class NpgsqlHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await using var command = dataSource.CreateCommand("SELECT 1");
                await command.ExecuteScalarAsync(cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (Exception exception) when (exception is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                return new HealthCheckResult(context.Registration.FailureStatus, "PostgreSQL is unreachable.", exception);
            }
        }
    }
}
