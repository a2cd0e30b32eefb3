using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry.Trace;
using StackExchange.Redis;

namespace Microsoft.Extensions.Hosting;

/// <summary>Settings bound from <c>Aspire:StackExchange:Redis</c> then <c>Aspire:StackExchange:Redis:{connectionName}</c>.</summary>
public sealed class RedisSettings
{
    public string? ConnectionString { get; set; }
    public bool DisableHealthChecks { get; set; }
    public bool DisableTracing { get; set; }
}

/// <summary>Redis client registration keyed by connection name: one shared <see cref="IConnectionMultiplexer"/>, a health check and tracing.</summary>
public static class RedisExtensions
{
    private const string SettingsSection = "Aspire:StackExchange:Redis";

    public static void AddRedisClient(this IHostApplicationBuilder builder, string connectionName,
        Action<RedisSettings>? configureSettings = null, Action<ConfigurationOptions>? configureOptions = null)
    {
        var settings = new RedisSettings();
        builder.Configuration.GetSection(SettingsSection).Bind(settings);
        builder.Configuration.GetSection($"{SettingsSection}:{connectionName}").Bind(settings);
        configureSettings?.Invoke(settings);

        var connectionString = ConnectionStrings.Require(builder.Configuration, connectionName, settings.ConnectionString);
        var options = ConfigurationOptions.Parse(connectionString);
        // A cache must never stop a service from starting: connect in the background and keep retrying.
        options.AbortOnConnectFail = false;
        configureOptions?.Invoke(options);

        builder.Services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(options));

        if (!settings.DisableHealthChecks)
        {
            builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
                $"redis-{connectionName}",
                services => new RedisHealthCheck(services.GetRequiredService<IConnectionMultiplexer>()),
                failureStatus: default,
                tags: ["ready"]));
        }

        if (!settings.DisableTracing)
        {
            builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing.AddRedisInstrumentation());
        }
    }

    private sealed class RedisHealthCheck(IConnectionMultiplexer connection) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await connection.GetDatabase().PingAsync();
                return HealthCheckResult.Healthy();
            }
            catch (Exception exception) when (exception is RedisException or TimeoutException)
            {
                return new HealthCheckResult(context.Registration.FailureStatus, "Redis is unreachable.", exception);
            }
        }
    }
}
