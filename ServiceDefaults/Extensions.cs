using MassTransit.Logging;
using MassTransit.Monitoring;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// What every Allē process shares: telemetry, health endpoints, service discovery, resilient HTTP clients,
/// forwarded headers from the gateway and RFC 7807 problem responses.
/// </summary>
public static class Extensions
{
    public const string HealthEndpointPath = "/health";
    public const string AlivenessEndpointPath = "/alive";

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();
        builder.KeepPersonalDataOutOfFrameworkLogs();

        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });

        builder.AddProblemResponses();
        // Aspire's orchestrator gives a stopping process about 12 s before it reports the stop failed.
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(8));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.Configure<ForwardedHeadersOptions>(options =>
        {
            // Only the gateway (on loopback or the container network) may set these; KnownNetworks keeps the default loopback.
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
            options.ForwardLimit = 2;
        });
        builder.Services.AddTransient<IStartupFilter, ForwardedHeadersStartupFilter>();

        return builder;
    }

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            // ASP.NET Core's request scope carries the raw request path (a phone or an e-mail in a profile look-up) onto
            // every log of the request; records keep their trace and span ids without it.
            logging.IncludeScopes = false;
        });

        // PostgreSQL's and Redis's traces and metrics are registered by their client integrations (Aspire.Npgsql,
        // Aspire.StackExchange.Redis), MassTransit's here: the bus continues a trace through the messages' headers.
        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(InstrumentationOptions.MeterName, "Alle.*"))
            .WithTracing(tracing => tracing
                .AddSource(builder.Environment.ApplicationName, DiagnosticHeaders.DefaultListenerName, "Alle.*")
                .AddAspNetCoreInstrumentation(options => options.Filter = context =>
                    !context.Request.Path.StartsWithSegments(HealthEndpointPath)
                    && !context.Request.Path.StartsWithSegments(AlivenessEndpointPath))
                .AddHttpClientInstrumentation(options => options.FilterHttpRequestMessage = request =>
                    request.RequestUri?.AbsolutePath is not (HealthEndpointPath or AlivenessEndpointPath))
                // Before the exporter's processor, so that no span leaves with an identifier in its URL.
                .AddProcessor(new UrlRedactionProcessor()));

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            // A collector that does not answer must not hold a stopping service for the exporters' 10 s each.
            builder.Configuration["OTEL_EXPORTER_OTLP_TIMEOUT"] ??= "3000";
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }

        return builder;
    }

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), ["live"]);
        return builder;
    }

    /// <summary>
    /// The framework logs request paths and outgoing URLs at Information; paths can carry phone numbers or e-mails
    /// (e.g. profile look-ups), so those categories only log warnings and above.
    /// </summary>
    private static TBuilder KeepPersonalDataOutOfFrameworkLogs<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Routing", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Http.Result", LogLevel.Warning);
        builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
        builder.Logging.AddFilter("Yarp.ReverseProxy.Forwarder", LogLevel.Warning);
        // Npgsql logs every command at Information: noise, and statements can carry literals.
        builder.Logging.AddFilter("Npgsql", LogLevel.Warning);
        return builder;
    }

    /// <summary>
    /// Maps <c>/health</c> (every check: the process is ready for traffic) and <c>/alive</c> (liveness only).
    /// Mapped in every environment: the orchestrator and the cloud probe them; the gateway does not forward them.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks(HealthEndpointPath, new HealthCheckOptions { ResponseWriter = HealthReportWriter.WriteAsync });
        app.MapHealthChecks(AlivenessEndpointPath, new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains("live"),
            ResponseWriter = HealthReportWriter.WriteAsync,
        });
        return app;
    }

    private sealed class ForwardedHeadersStartupFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.UseForwardedHeaders();
            next(app);
        };
    }
}
