using Alle.Platform.Authorization;
using Alle.Platform.Authentication;
using Alle.Platform.Migrations;
using Alle.Platform.Workers;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Alle.Platform.Outbox;

public static class OutboxExtensions
{
    /// <summary>
    /// The service's outbox in database <paramref name="connectionName"/>: its table (migrated before the service's own
    /// scripts, which may move older rows into it — so call this before <c>AddDatabaseMigrations</c>), the relay, the
    /// <c>outbox</c> health check and metrics. Settings from section <c>Outbox</c>, over the service's own <paramref name="defaults"/>.
    /// </summary>
    public static IHostApplicationBuilder AddOutbox(this IHostApplicationBuilder builder, string connectionName, bool keyed = false,
        Action<OutboxOptions>? defaults = null)
    {
        builder.AddDatabaseMigrations(connectionName, keyed, typeof(OutboxRelay).Assembly, folder: "Outbox.Migrations", historyTable: "outbox_schema_history");
        builder.Services.Configure<OutboxOptions>(options => defaults?.Invoke(options));
        builder.Services.Configure<OutboxOptions>(builder.Configuration.GetSection(OutboxOptions.Section));
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<IOutboxBusHooks, DefaultOutboxBusHooks>();
        builder.Services.AddSingleton<WorkSignal<OutboxRelay>>();
        builder.Services.AddSingleton<OutboxMonitor>();
        builder.Services.AddSingleton(services => new OutboxStore(keyed
            ? services.GetRequiredKeyedService<NpgsqlDataSource>(connectionName)
            : services.GetRequiredService<NpgsqlDataSource>()));
        builder.Services.AddSingleton(services => new OutboxRelay(
            services.GetRequiredService<OutboxStore>(),
            services.GetRequiredService<IBus>(),
            services.GetRequiredService<IServiceScopeFactory>(),
            services.GetRequiredService<IOutboxBusHooks>(),
            services.GetRequiredService<OutboxMonitor>(),
            services.GetRequiredService<WorkSignal<OutboxRelay>>(),
            services.GetRequiredService<IOptions<OutboxOptions>>(),
            services.GetRequiredService<TimeProvider>(),
            services.GetRequiredService<ILogger<OutboxRelay>>()));
        builder.Services.AddHostedService(services => services.GetRequiredService<OutboxRelay>());
        builder.Services.AddHealthChecks().AddCheck<OutboxHealthCheck>("outbox");
        return builder;
    }

    /// <summary><c>GET {prefix}/outbox</c>: what the outbox holds, for operators (admin key).</summary>
    public static RouteGroupBuilder MapOutboxApi(this IEndpointRouteBuilder app, string prefix)
    {
        var api = app.MapGroup(prefix).RequirePermission(Permissions.OperationsWrite);
        api.MapGet("/outbox", GetStatus).WithSummary("The service's outbox: pending, failing, age of the oldest unsent message, last error").WithTags("Outbox");
        return api;
    }

    private static Ok<OutboxStatusResponse> GetStatus(OutboxMonitor monitor, IHostEnvironment environment)
    {
        var snapshot = monitor.Snapshot;
        return TypedResults.Ok(new OutboxStatusResponse(
            environment.ApplicationName.Replace("Alle.", "", StringComparison.Ordinal).ToLowerInvariant(),
            snapshot?.Pending ?? 0,
            snapshot?.Failing ?? 0,
            monitor.OldestPendingAge is { } age ? Math.Round(age.TotalSeconds, 1) : null,
            snapshot?.LastError,
            monitor.ReadError,
            snapshot?.ReadAt));
    }
}

/// <summary>An outbox as operators see it; <see cref="Pending"/> stops counting at a million.</summary>
public sealed record OutboxStatusResponse(string Service, long Pending, long Failing, double? OldestPendingAgeSeconds, string? LastError,
    string? ReadError, DateTimeOffset? ReadAt);
