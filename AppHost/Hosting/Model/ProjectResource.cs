using System.Reflection;

namespace Alle.Hosting;

/// <summary>Where a project resource lives; generated for every project the AppHost references (see ProjectMetadata.targets).</summary>
public interface IProjectMetadata
{
    string ProjectPath { get; }

    string AssemblyName { get; }
}

/// <summary>
/// An ASP.NET Core project of this repository, run from its build output with its folder as content root. It receives
/// its connection strings, service endpoints and telemetry settings as environment variables, like an Aspire project.
/// </summary>
public sealed class ProjectResource(string name, IProjectMetadata metadata) : RunnableResource(name), IResourceWithEndpoints
{
    private static readonly HttpClient s_healthClient = new() { Timeout = TimeSpan.FromSeconds(3) };
    private int _replicas = 1;

    public override string Kind => "project";

    public IProjectMetadata Metadata { get; } = metadata;

    public IReadOnlyList<EndpointAnnotation> Endpoints => EndpointList;

    public override int Replicas => _replicas;

    public override TimeSpan StopTimeout => TimeSpan.FromSeconds(15);

    /// <summary>The application's public entry (the gateway): a stable port in development, an external ingress when deployed.</summary>
    public bool IsExternalHttp { get; internal set; }

    internal void SetReplicas(int replicas) => _replicas = replicas;

    internal string ProjectDirectory => Path.GetDirectoryName(Metadata.ProjectPath)!;

    internal string AssemblyPath
    {
        get
        {
            var attributes = typeof(ProjectResource).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().ToDictionary(a => a.Key, a => a.Value);
            return Path.Combine(ProjectDirectory, "bin", attributes["BuildConfiguration"]!, attributes["TargetFramework"]!, Metadata.AssemblyName + ".dll");
        }
    }

    internal override Task PrepareAsync(RunContext context, CancellationToken cancellationToken) => File.Exists(AssemblyPath)
        ? Task.CompletedTask
        : throw new InvalidOperationException($"Project '{Name}' is not built ({AssemblyPath} is missing). Build the AppHost first: dotnet build AppHost.");

    internal override ProcessSpec CreateProcess(RunContext context, int replica)
    {
        var http = Endpoints[0];
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["ASPNETCORE_URLS"] = http.UrlFor(replica),
            ["ASPNETCORE_ENVIRONMENT"] = context.Options.EnvironmentName,
            ["DOTNET_ENVIRONMENT"] = context.Options.EnvironmentName,
            ["OTEL_SERVICE_NAME"] = Name,
            ["OTEL_RESOURCE_ATTRIBUTES"] = $"service.instance.id={Name}-{replica}",
            ["OTEL_DOTNET_EXPERIMENTAL_OTLP_EMIT_EXCEPTION_LOG_ATTRIBUTES"] = "true",
            ["OTEL_DOTNET_EXPERIMENTAL_OTLP_EMIT_EVENT_LOG_ATTRIBUTES"] = "true",
            ["Logging__Console__FormatterName"] = "simple",
            ["Logging__Console__FormatterOptions__SingleLine"] = "true",
        };
        if (context.Options.OtlpEndpoint is { Length: > 0 } otlp)
        {
            environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlp;
            environment["OTEL_EXPORTER_OTLP_PROTOCOL"] = context.Options.OtlpProtocol;
        }

        foreach (var reference in References)
        {
            switch (reference)
            {
                case IResourceWithConnectionString withConnectionString:
                    environment[$"ConnectionStrings__{reference.Name}"] = withConnectionString.ConnectionString.GetValue();
                    break;
                case IResourceWithEndpoints withEndpoints:
                    foreach (var endpoint in withEndpoints.Endpoints)
                    {
                        for (var i = 0; i < withEndpoints.Replicas; i++)
                        {
                            environment[$"services__{reference.Name}__{endpoint.Name}__{i}"] = endpoint.UrlFor(i);
                        }
                    }
                    break;
            }
        }

        foreach (var (key, value) in Environment)
        {
            environment[key] = value.GetValue();
        }

        return new ProcessSpec("dotnet", [AssemblyPath], ProjectDirectory, environment);
    }

    internal override async Task<HealthResult> CheckHealthAsync(int replica, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await s_healthClient.GetAsync($"{Endpoints[0].UrlFor(replica)}/health", cancellationToken);
            return response.IsSuccessStatusCode
                ? HealthResult.Healthy
                : HealthResult.Unhealthy($"/health answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            return HealthResult.Unhealthy(exception.Message);
        }
    }
}

public static class ProjectResourceBuilderExtensions
{
    public static IResourceBuilder<ProjectResource> AddProject<TProject>(this DistributedApplicationBuilder builder, string name, int? port = null)
        where TProject : IProjectMetadata, new()
    {
        var project = new ProjectResource(name, new TProject());
        project.EndpointList.Add(new EndpointAnnotation("http", "http", port));
        return builder.AddResource(project);
    }

    /// <summary>Runs several instances side by side; each gets its own port and all are listed for service discovery.</summary>
    public static IResourceBuilder<ProjectResource> WithReplicas(this IResourceBuilder<ProjectResource> builder, int replicas)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(replicas, 1);
        builder.Resource.SetReplicas(replicas);
        return builder;
    }

    /// <summary>Marks the project as the application's public entry; its URL is printed first.</summary>
    public static IResourceBuilder<ProjectResource> WithExternalHttpEndpoints(this IResourceBuilder<ProjectResource> builder)
    {
        builder.Resource.IsExternalHttp = true;
        return builder;
    }
}
