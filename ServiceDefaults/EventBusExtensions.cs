using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.Hosting;

/// <summary>Settings bound from <c>Aspire:RabbitMQ:Client</c> then <c>Aspire:RabbitMQ:Client:{connectionName}</c>.</summary>
public sealed class EventBusSettings
{
    public string? ConnectionString { get; set; }

    /// <summary>Prefix of this service's queue names, so each service gets its own queues and its replicas compete on them.</summary>
    public string? QueuePrefix { get; set; }

    /// <summary>How many times a failing message is retried in memory before it moves to the <c>_error</c> queue.</summary>
    public int RetryLimit { get; set; } = 5;

    /// <summary>The longest pause between two attempts at a message whose dependency is away (<see cref="TransientFailures"/>).</summary>
    public TimeSpan TransientRetryCap { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a message whose dependency is away is retried before it goes to <c>_error</c> after all.</summary>
    public TimeSpan TransientRetryFor { get; set; } = TimeSpan.FromDays(1);
}

/// <summary>MassTransit on RabbitMQ from an <c>amqp://user:password@host:port/vhost</c> connection string.</summary>
public static class EventBusExtensions
{
    private const string SettingsSection = "Aspire:RabbitMQ:Client";

    public static void AddEventBus(this IHostApplicationBuilder builder, string connectionName,
        Action<IBusRegistrationConfigurator>? configure = null, Action<EventBusSettings>? configureSettings = null)
    {
        var settings = new EventBusSettings { QueuePrefix = builder.Environment.ApplicationName.Replace("Alle.", "", StringComparison.Ordinal).ToLowerInvariant() };
        builder.Configuration.GetSection(SettingsSection).Bind(settings);
        builder.Configuration.GetSection($"{SettingsSection}:{connectionName}").Bind(settings);
        configureSettings?.Invoke(settings);

        settings.ConnectionString = ConnectionStrings.Require(builder.Configuration, connectionName, settings.ConnectionString);
        var address = new Uri(settings.ConnectionString);
        if (address.Scheme is not ("amqp" or "amqps"))
        {
            throw new InvalidOperationException($"Connection string 'ConnectionStrings:{connectionName}' must be an amqp:// or amqps:// URI.");
        }
        // What else talks to the broker for this service (its dead-letter queues) uses the bus's own address and prefix.
        builder.Services.AddSingleton(settings);

        builder.Services.Configure<MassTransitHostOptions>(options =>
        {
            // Consumers' queues are bound before the service reports healthy, so nothing published after start is dropped.
            options.WaitUntilStarted = true;
            options.StartTimeout = TimeSpan.FromSeconds(60);
            // Delivery is at least once and every consumer is idempotent: what is still being consumed when a stop
            // comes goes back to its queue rather than holding the process past the orchestrator's stop window.
            options.StopTimeout = TimeSpan.FromSeconds(5);
        });

        builder.Services.AddMassTransit(bus =>
        {
            bus.SetEndpointNameFormatter(new KebabCaseEndpointNameFormatter(settings.QueuePrefix, includeNamespace: false));
            configure?.Invoke(bus);

            bus.UsingRabbitMq((context, rabbit) =>
            {
                rabbit.Host(address, host =>
                {
                    var credentials = address.UserInfo.Split(':', 2);
                    if (credentials[0].Length > 0)
                    {
                        host.Username(Uri.UnescapeDataString(credentials[0]));
                        host.Password(credentials.Length > 1 ? Uri.UnescapeDataString(credentials[1]) : "");
                    }
                    host.ConnectionName(builder.Environment.ApplicationName);
                });

                // Debian's RabbitMQ has no delayed-message plugin, so retries are in memory. A dependency that is away
                // (the database restarting, a service being restarted) is waited out with the message held: sent to
                // <queue>_error after a few seconds, it would never reach its store without someone replaying it.
                rabbit.UseMessageRetry(retry =>
                {
                    retry.Handle<Exception>(TransientFailures.IsTransient);
                    retry.Intervals(TransientFailures.Pauses(settings.TransientRetryCap, settings.TransientRetryFor));
                });
                // A failure of the message itself is retried a few times, then the message goes to <queue>_error.
                rabbit.UseMessageRetry(retry =>
                {
                    retry.Ignore<Exception>(TransientFailures.IsTransient);
                    retry.Exponential(settings.RetryLimit, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(500));
                });
                rabbit.ConfigureEndpoints(context);
            });
        });
    }
}
