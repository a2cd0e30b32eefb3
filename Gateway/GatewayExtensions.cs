using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Yarp.ReverseProxy.Configuration;

namespace Alle.Gateway;

/// <summary>
/// The only public entry: routes from configuration (section <c>ReverseProxy</c>) to services found by name, forwards
/// the caller's address, host and scheme, limits body sizes and request rates per client, allows browser SDKs (CORS)
/// on the tracking API, and reports its own health together with its destinations'.
/// </summary>
public static class GatewayExtensions
{
    public const string TrackingCorsPolicy = "tracking";
    public const string PerClientRateLimit = "per-client";

    public static void AddGateway(this IHostApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection("Gateway").Get<GatewayOptions>() ?? new GatewayOptions();
        builder.Services.AddSingleton(options);

        builder.Services.AddReverseProxy()
            .LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"))
            .AddServiceDiscoveryDestinationResolver();

        builder.Services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(kestrel =>
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes);

        // The gateway's own refusals (body too large, too many requests, a service that does not answer) are problems too.
        builder.Services.AddProblemDetails(problems => problems.CustomizeProblemDetails = context => context.ProblemDetails.Detail ??= context.ProblemDetails.Status switch
        {
            StatusCodes.Status413PayloadTooLarge => $"Request bodies are limited to {options.MaxRequestBodyBytes / 1024 / 1024} MiB.",
            StatusCodes.Status429TooManyRequests => "This client sends more requests than it may; retry after the seconds in Retry-After.",
            StatusCodes.Status502BadGateway or StatusCodes.Status503ServiceUnavailable or StatusCodes.Status504GatewayTimeout => "The service behind this path did not answer; retry later.",
            _ => null,
        });

        builder.Services.AddCors(cors => cors.AddPolicy(TrackingCorsPolicy, policy => policy
            .AllowAnyOrigin().AllowAnyHeader().WithMethods("GET", "POST", "OPTIONS").SetPreflightMaxAge(TimeSpan.FromHours(1))));

        builder.Services.AddRateLimiter(limiter =>
        {
            // ASP.NET Core rejects with 503 unless told otherwise; clients (and Segment's libraries) expect 429 + Retry-After.
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = (context, _) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
                context.HttpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                return ValueTask.CompletedTask;
            };
            limiter.AddPolicy(PerClientRateLimit, context => RateLimitPartition.GetTokenBucketLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = options.RequestsPerSecondPerClient * 2,
                    TokensPerPeriod = options.RequestsPerSecondPerClient,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                }));
        });

        // A probe answers now or counts as down: no retries (the defaults' resilience handler would hold /health for
        // tens of seconds behind one slow destination, past the orchestrator's own probe timeout).
#pragma warning disable EXTEXP0001
        builder.Services.AddHttpClient(DestinationsHealthCheck.HttpClientName, client => client.Timeout = TimeSpan.FromSeconds(3))
            .RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        builder.Services.AddHealthChecks().AddCheck<DestinationsHealthCheck>("destinations", tags: ["ready"]);
    }

    public static void UseGateway(this WebApplication app)
    {
        // Only bodiless answers get a problem: what a service answered passes through as it is.
        app.UseStatusCodePages();
        app.UseCors();
        app.UseRateLimiter();
    }
}

public sealed class GatewayOptions
{
    /// <summary>Requests larger than this are refused with 413 before they reach a service (services enforce their own, smaller limits).</summary>
    public long MaxRequestBodyBytes { get; set; } = 4 * 1024 * 1024;

    public int RequestsPerSecondPerClient { get; set; } = 20_000;
}

/// <summary>The gateway is healthy when every cluster it routes to answers its own <c>/health</c>.</summary>
internal sealed class DestinationsHealthCheck(IProxyConfigProvider proxyConfig, IHttpClientFactory httpClientFactory) : IHealthCheck
{
    public const string HttpClientName = "destinations-health";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var client = httpClientFactory.CreateClient(HttpClientName);
        var destinations = proxyConfig.GetConfig().Clusters
            .SelectMany(cluster => (cluster.Destinations ?? new Dictionary<string, DestinationConfig>()).Select(d => (cluster.ClusterId, d.Value.Address)))
            .ToList();

        var results = await Task.WhenAll(destinations.Select(async destination =>
        {
            try
            {
                using var response = await client.GetAsync(new Uri(new Uri(destination.Address), "/health"), cancellationToken);
                return (destination.ClusterId, Healthy: response.IsSuccessStatusCode, Detail: ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture));
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                return (destination.ClusterId, Healthy: false, Detail: exception.Message);
            }
        }));

        var data = results.ToDictionary(r => r.ClusterId, r => (object)(r.Healthy ? "Healthy" : $"Unhealthy ({r.Detail})"));
        var unhealthy = results.Where(r => !r.Healthy).Select(r => r.ClusterId).ToList();
        return unhealthy.Count == 0
            ? HealthCheckResult.Healthy($"{results.Length} destinations healthy.", data)
            : new HealthCheckResult(context.Registration.FailureStatus, $"Unhealthy destinations: {string.Join(", ", unhealthy)}.", data: data);
    }
}
