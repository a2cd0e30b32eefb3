using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Alle.IntegrationTests;

/// <summary>
/// A service behind the gateway run from its own Program.cs in memory, on a test server, in development (as the launch
/// profile runs it), with every hosted service removed and connection strings that are never used: enough to read what
/// it maps and the documents it serves, with no server started.
/// </summary>
internal sealed class InMemoryService : IDisposable
{
    private readonly IDisposable factory;
    private readonly Func<HttpClient> createClient;

    private InMemoryService(IDisposable factory, IServiceProvider services, Func<HttpClient> createClient)
    {
        this.factory = factory;
        Services = services;
        this.createClient = createClient;
    }

    public static readonly string[] Names = ["ingestion", "profiles", "audiences", "messaging", "loyalty", "destinations", "web"];

    public IServiceProvider Services { get; }

    public HttpClient CreateClient() => createClient();

    public void Dispose() => factory.Dispose();

    public static InMemoryService Start(string service) => service switch
    {
        "ingestion" => Start<Alle.Ingestion.Sources.SourceStore>(),
        "profiles" => Start<Alle.Profiles.Reading.ProfileStore>(),
        "audiences" => Start<Alle.Audiences.Definitions.CatalogCache>(),
        "messaging" => Start<Alle.Messaging.Sending.MessageStore>(),
        "loyalty" => Start<Alle.Loyalty.Offers.OfferCatalog>(),
        "destinations" => Start<Alle.Destinations.Configuration.CatalogStore>(),
        "web" => Start<Alle.Web.Services.Ingestion.LiveStreamRelay>(),
        _ => throw new ArgumentOutOfRangeException(nameof(service), service, "Not a service behind the gateway."),
    };

    private static InMemoryService Start<TServiceType>() where TServiceType : class
    {
        var factory = new WebApplicationFactory<TServiceType>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment(Environments.Development);
            foreach (var (key, value) in Settings)
            {
                web.UseSetting(key, value);
            }
            web.ConfigureTestServices(services =>
            {
                // Migrations, the bus, relays and workers would reach for servers; the web host itself stays.
                foreach (var hosted in services.Where(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType?.Name != "GenericWebHostService").ToList())
                {
                    services.Remove(hosted);
                }
            });
        });
        return new InMemoryService(factory, factory.Services, () => factory.CreateClient());
    }

    private static readonly Dictionary<string, string> Settings = new()
    {
        ["Alle:AdminKey"] = "endpoint-listing",
        ["Alle:MemberTokenKey"] = "endpoint-listing",
        ["Loyalty:ProviderKey"] = "endpoint-listing",
        ["Tracking:WriteKey"] = "endpoint-listing",
        ["Twilio:AccountSid"] = "AC00000000000000000000000000000000",
        ["Twilio:AuthToken"] = "00000000000000000000000000000000",
        ["Twilio:From"] = "+15005550006",
        ["ConnectionStrings:cache"] = "127.0.0.1:1,abortConnect=false",
        ["ConnectionStrings:eventbus"] = "amqp://guest:guest@127.0.0.1:1/",
        ["ConnectionStrings:ingestiondb"] = "Host=127.0.0.1;Port=1;Database=ingestiondb",
        ["ConnectionStrings:warehousedb"] = "Host=127.0.0.1;Port=1;Database=warehousedb",
        ["ConnectionStrings:profilesdb"] = "Host=127.0.0.1;Port=1;Database=profilesdb",
        ["ConnectionStrings:audiencesdb"] = "Host=127.0.0.1;Port=1;Database=audiencesdb",
        ["ConnectionStrings:messagingdb"] = "Host=127.0.0.1;Port=1;Database=messagingdb",
        ["ConnectionStrings:loyaltydb"] = "Host=127.0.0.1;Port=1;Database=loyaltydb",
        ["ConnectionStrings:destinationsdb"] = "Host=127.0.0.1;Port=1;Database=destinationsdb",
        ["ConnectionStrings:operatorsdb"] = "Host=127.0.0.1;Port=1;Database=operatorsdb",
        ["services:ingestion:http:0"] = "http://127.0.0.1:1",
        ["services:profiles:http:0"] = "http://127.0.0.1:1",
        ["services:audiences:http:0"] = "http://127.0.0.1:1",
        ["services:messaging:http:0"] = "http://127.0.0.1:1",
        ["services:loyalty:http:0"] = "http://127.0.0.1:1",
    };
}
