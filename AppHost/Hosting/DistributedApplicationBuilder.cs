using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;

namespace Alle.Hosting;

/// <summary>The resources of the application, in the order they were declared.</summary>
public sealed class DistributedApplicationModel(IReadOnlyList<IResource> resources)
{
    public IReadOnlyList<IResource> Resources { get; } = resources;
}

/// <summary>Collects the resource graph declared in Program.cs, then builds the application that runs it.</summary>
public sealed class DistributedApplicationBuilder
{
    private readonly List<IResource> _resources = [];
    private readonly bool _testing;

    internal DistributedApplicationBuilder(string[] args, bool testing)
    {
        _testing = testing;
        Host = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = AppHostOptions.NormalizeArguments(args),
            ContentRootPath = AppContext.BaseDirectory,
        });
    }

    internal WebApplicationBuilder Host { get; }

    public IConfiguration Configuration => Host.Configuration;

    public IReadOnlyList<IResource> Resources => _resources;

    public IResourceBuilder<T> AddResource<T>(T resource) where T : IResource
    {
        if (_resources.Any(r => string.Equals(r.Name, resource.Name, StringComparison.OrdinalIgnoreCase)))
        {
            throw new InvalidOperationException($"A resource named '{resource.Name}' is already declared.");
        }
        _resources.Add(resource);
        return new ResourceBuilder<T>(resource, this);
    }

    public DistributedApplication Build()
    {
        // A test adjusts the graph once Program.cs has declared it (e.g. more replicas).
        DistributedApplication.Interceptor?.ConfigureBuilder?.Invoke(this);
        var model = new DistributedApplicationModel([.. _resources]);
        var options = AppHostOptions.From(Host.Configuration);
        if (!options.RandomPorts)
        {
            foreach (var entry in _resources.OfType<ProjectResource>().Where(p => p.IsExternalHttp))
            {
                entry.EndpointList[0].RequestedPort ??= options.GatewayPort;
            }
        }
        var application = new DistributedApplication(Host, model, options, _testing);
        DistributedApplication.Interceptor?.OnBuilt(application);
        return application;
    }
}
