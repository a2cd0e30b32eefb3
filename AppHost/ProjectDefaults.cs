using Alle.AppHost.Supervision;

namespace Alle.AppHost;

public static class ProjectDefaults
{
    /// <summary>
    /// What every service of the graph gets: readiness from its <c>/health</c> (what <c>WaitFor</c> waits on), a restart
    /// after a crash, and the number of replicas <c>AppHost:Replicas:{name}</c> asks for (e.g. <c>--AppHost:Replicas:profiles=2</c>).
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
        }
        return builder;
    }
}
