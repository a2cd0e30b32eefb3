namespace Alle.Hosting;

/// <summary>Anything the AppHost models: a server it starts, a database on it, a project, a secret.</summary>
public interface IResource
{
    string Name { get; }

    /// <summary>Resources that must report healthy before this one starts.</summary>
    List<IResource> WaitsFor { get; }

    /// <summary>Resources whose connection string or endpoints this one receives as configuration.</summary>
    List<IResource> References { get; }

    Dictionary<string, IValueProvider> Environment { get; }
}

public abstract class Resource(string name) : IResource
{
    public string Name { get; } = name;
    public List<IResource> WaitsFor { get; } = [];
    public List<IResource> References { get; } = [];
    public Dictionary<string, IValueProvider> Environment { get; } = new(StringComparer.Ordinal);

    public override string ToString() => Name;
}

/// <summary>A resource other resources connect to through <c>ConnectionStrings__{name}</c>.</summary>
public interface IResourceWithConnectionString : IResource
{
    /// <summary>The connection string, resolvable once the orchestrator has prepared the resource.</summary>
    IValueProvider ConnectionString { get; }
}

/// <summary>A resource that listens on HTTP endpoints other resources reach as <c>services__{name}__http__{i}</c>.</summary>
public interface IResourceWithEndpoints : IResource
{
    IReadOnlyList<EndpointAnnotation> Endpoints { get; }

    int Replicas { get; }
}

/// <summary>A named endpoint and the ports it was given (one per replica).</summary>
public sealed class EndpointAnnotation(string name, string scheme, int? requestedPort = null)
{
    public string Name { get; } = name;
    public string Scheme { get; } = scheme;
    public int? RequestedPort { get; internal set; } = requestedPort;
    public List<int> AllocatedPorts { get; } = [];

    public string UrlFor(int replica) => AllocatedPorts.Count > replica
        ? $"{Scheme}://127.0.0.1:{AllocatedPorts[replica]}"
        : throw new InvalidOperationException($"Endpoint '{Name}' has no port yet: ports are allocated when the application starts.");
}
