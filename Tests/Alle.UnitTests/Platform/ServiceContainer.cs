using Alle.Platform.Identifiers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Alle.UnitTests.Platform;

/// <summary>
/// A service's own registrations (its <c>AddApplicationServices</c>, as its Program.cs calls it) over its own
/// appsettings.json, in a container that is never started: nothing connects anywhere, but what the service injects can
/// be resolved and used.
/// </summary>
internal sealed class ServiceContainer : IDisposable
{
    /// <summary>Each service by name, with its folder and its registrations.</summary>
    public static readonly IReadOnlyDictionary<string, (string Folder, Action<IHostApplicationBuilder> AddApplicationServices)> Services =
        new Dictionary<string, (string, Action<IHostApplicationBuilder>)>
        {
            ["ingestion"] = ("Services/Ingestion", Alle.Ingestion.Extensions.ApplicationServiceExtensions.AddApplicationServices),
            ["profiles"] = ("Services/Profiles", Alle.Profiles.Extensions.ApplicationServiceExtensions.AddApplicationServices),
            ["audiences"] = ("Services/Audiences", Alle.Audiences.Extensions.ApplicationServiceExtensions.AddApplicationServices),
            ["messaging"] = ("Services/Messaging", Alle.Messaging.Extensions.ApplicationServiceExtensions.AddApplicationServices),
            ["loyalty"] = ("Services/Loyalty", Alle.Loyalty.Extensions.ApplicationServiceExtensions.AddApplicationServices),
            ["web"] = ("Web", Alle.Web.Extensions.ApplicationServiceExtensions.AddApplicationServices),
        };

    private readonly ServiceProvider _provider;

    private ServiceContainer(ServiceProvider provider) => _provider = provider;

    public static ServiceContainer Of(string service, string? defaultRegion = null)
    {
        var (folder, addApplicationServices) = Services[service];
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = Environments.Production });
        builder.Configuration.AddJsonFile(Path.Combine(RepositoryRoot(), folder, "appsettings.json"), optional: false);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Alle:AdminKey"] = "unit-test-admin-key",
            ["Alle:MemberTokenKey"] = "unit-test-member-token-key",
            ["Loyalty:ProviderKey"] = "unit-test-provider-key",
            ["Tracking:WriteKey"] = "unit-test-write-key",
            ["ConnectionStrings:cache"] = "localhost:1",
            ["ConnectionStrings:eventbus"] = "amqp://guest:guest@localhost:1",
            [IdentifierNormalization.DefaultRegionKey] = defaultRegion,
        }.Concat(new[] { "ingestiondb", "warehousedb", "profilesdb", "audiencesdb", "messagingdb", "loyaltydb" }
            .Select(database => KeyValuePair.Create($"ConnectionStrings:{database}", (string?)$"Host=localhost;Port=1;Database={database}"))));
        addApplicationServices(builder);
        return new ServiceContainer(builder.Services.BuildServiceProvider());
    }

    private static string RepositoryRoot()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(root.FullName, "Alle.Aspire.sln")))
        {
            root = root.Parent ?? throw new InvalidOperationException("Run from inside the repository.");
        }
        return root.FullName;
    }

    public T Get<T>() where T : notnull => _provider.GetRequiredService<T>();

    public void Dispose() => _provider.Dispose();
}

/// <summary>Every service's <see cref="ServiceContainer"/>, by name, configured with one default region.</summary>
internal sealed class ServiceContainers(string? defaultRegion) : IDisposable
{
    private readonly Dictionary<string, ServiceContainer> _containers =
        ServiceContainer.Services.Keys.ToDictionary(service => service, service => ServiceContainer.Of(service, defaultRegion));

    public ServiceContainer this[string service] => _containers[service];

    public void Dispose()
    {
        foreach (var container in _containers.Values)
        {
            container.Dispose();
        }
    }
}
