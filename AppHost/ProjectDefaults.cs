using Alle.AppHost.Supervision;

namespace Alle.AppHost;

public static class ProjectDefaults
{
    /// <summary>The services that serve an OpenAPI document and an API reference under <c>/api/{name}/</c>.</summary>
    private static readonly HashSet<string> DocumentedServices = ["ingestion", "profiles", "audiences", "messaging", "loyalty", "destinations", "web"];

    /// <summary>
    /// What every service of the graph gets: readiness from its <c>/health</c> (what <c>WaitFor</c> waits on), a restart
    /// after a crash, the number of replicas <c>AppHost:Replicas:{name}</c> asks for (e.g. <c>--AppHost:Replicas:profiles=2</c>),
    /// the share of traces recorded that <c>AppHost:TraceSampleRatio</c> asks for (0 to 1; every trace when unset), its own
    /// port instead of the orchestrator's proxy when <c>AppHost:DirectEndpoints</c> is true (services without replicas:
    /// the proxy is what spreads calls over replicas), and, on the dashboard, a link to its API reference.
    /// </summary>
    public static IDistributedApplicationBuilder ConfigureProjects(this IDistributedApplicationBuilder builder)
    {
        var sampleRatio = TraceSampleRatio(builder.Configuration);
        foreach (var project in builder.Resources.OfType<ProjectResource>().ToList())
        {
            var resource = builder.CreateResourceBuilder(project).WithHttpHealthCheck("/health").RestartOnCrash();
            if (builder.Configuration.GetValue<int?>($"AppHost:Replicas:{project.Name}") is { } replicas and > 1)
            {
                resource.WithReplicas(replicas);
            }
            else if (builder.Configuration.GetValue<bool>("AppHost:DirectEndpoints"))
            {
                resource.WithEndpointProxySupport(false);
            }
            if (sampleRatio is { } ratio)
            {
                // Decided where a trace starts and followed by every service it reaches (the sampled flag travels in
                // traceparent, through HTTP and the bus), so a recorded trace is always whole.
                resource.WithEnvironment("OTEL_TRACES_SAMPLER", "parentbased_traceidratio")
                    .WithEnvironment("OTEL_TRACES_SAMPLER_ARG", ratio.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            if (DocumentedServices.Contains(project.Name))
            {
                resource.WithUrl($"/api/{project.Name}/docs", "API reference");
            }
        }
        return builder;
    }

    /// <summary><c>AppHost:TraceSampleRatio</c>, or null when every trace is recorded; a value outside 0 to 1 stops the start.</summary>
    public static double? TraceSampleRatio(IConfiguration configuration) => configuration.GetValue<double?>("AppHost:TraceSampleRatio") switch
    {
        null => null,
        >= 0 and <= 1 and var ratio => ratio,
        var ratio => throw new InvalidOperationException($"AppHost:TraceSampleRatio is the share of traces to record, from 0 to 1; {ratio} is not."),
    };
}
