namespace Alle.Hosting;

public interface IResourceBuilder<out T> where T : IResource
{
    T Resource { get; }

    DistributedApplicationBuilder ApplicationBuilder { get; }
}

internal sealed class ResourceBuilder<T>(T resource, DistributedApplicationBuilder applicationBuilder) : IResourceBuilder<T>
    where T : IResource
{
    public T Resource { get; } = resource;
    public DistributedApplicationBuilder ApplicationBuilder { get; } = applicationBuilder;
}

/// <summary>The verbs of the resource graph: references, waits and environment.</summary>
public static class ResourceBuilderExtensions
{
    /// <summary>Passes <c>ConnectionStrings__{name}</c> of <paramref name="source"/> to this resource.</summary>
    public static IResourceBuilder<T> WithReference<T>(this IResourceBuilder<T> builder, IResourceBuilder<IResourceWithConnectionString> source)
        where T : IResource
    {
        builder.Resource.References.Add(source.Resource);
        return builder;
    }

    /// <summary>Passes <c>services__{name}__{endpoint}__{i}</c> of <paramref name="source"/> to this resource, for service discovery.</summary>
    public static IResourceBuilder<T> WithReference<T>(this IResourceBuilder<T> builder, IResourceBuilder<IResourceWithEndpoints> source)
        where T : IResource
    {
        builder.Resource.References.Add(source.Resource);
        return builder;
    }

    /// <summary>This resource starts only once <paramref name="dependency"/> reports healthy.</summary>
    public static IResourceBuilder<T> WaitFor<T>(this IResourceBuilder<T> builder, IResourceBuilder<IResource> dependency)
        where T : IResource
    {
        builder.Resource.WaitsFor.Add(dependency.Resource);
        return builder;
    }

    public static IResourceBuilder<T> WithEnvironment<T>(this IResourceBuilder<T> builder, string name, string value)
        where T : IResource
    {
        builder.Resource.Environment[name] = new LiteralValue(value);
        return builder;
    }

    public static IResourceBuilder<T> WithEnvironment<T>(this IResourceBuilder<T> builder, string name, IValueProvider value)
        where T : IResource
    {
        builder.Resource.Environment[name] = value;
        return builder;
    }

    public static IResourceBuilder<T> WithEnvironment<T>(this IResourceBuilder<T> builder, string name, IResourceBuilder<ParameterResource> parameter)
        where T : IResource
        => builder.WithEnvironment(name, parameter.Resource);

    /// <summary>The URL of one of the resource's endpoints, resolved when the application starts.</summary>
    public static EndpointReference GetEndpoint(this IResourceBuilder<IResourceWithEndpoints> builder, string name = "http")
    {
        var endpoint = builder.Resource.Endpoints.FirstOrDefault(e => e.Name == name)
            ?? throw new InvalidOperationException($"Resource '{builder.Resource.Name}' has no endpoint named '{name}'.");
        return new EndpointReference(builder.Resource, endpoint);
    }
}
