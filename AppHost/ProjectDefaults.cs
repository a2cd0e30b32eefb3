using Alle.AppHost.Supervision;

namespace Alle.AppHost;

public static class ProjectDefaults
{
    /// <summary>The services that serve an OpenAPI document and an API reference under <c>/api/{name}/</c>.</summary>
    private static readonly HashSet<string> DocumentedServices = ["ingestion", "profiles", "audiences", "messaging", "loyalty", "destinations", "web"];

    /// <summary>
    /// What every service of the graph gets: readiness from its <c>/health</c> (what <c>WaitFor</c> waits on), a restart
    /// after a crash, the number of replicas <c>AppHost:Replicas:{name}</c> asks for (e.g. <c>--AppHost:Replicas:profiles=2</c>),
    /// and, on the dashboard, a link to its API reference.
    /// </summary>
    public static IDistributedApplicationBuilder ConfigureProjects(this IDistributedApplicationBuilder builder)
    {
        foreach (var project in builder.Resources.OfType<ProjectResource>().ToList())
        {
            var resource = builder.CreateResourceBuilder(project).WithHttpHealthCheck("/health").RestartOnCrash();
            if (builder.Configuration.GetValue<int?>($"AppHost:Replicas:{project.Name}") is { } replicas and > 1)
            {
                resource.WithReplicas(replicas);
            }
            if (DocumentedServices.Contains(project.Name))
            {
                resource.WithUrl($"/api/{project.Name}/docs", "API reference");
            }
        }
        return builder;
    }
}
