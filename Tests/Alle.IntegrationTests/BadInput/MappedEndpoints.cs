using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Alle.IntegrationTests.BadInput;

/// <summary>An endpoint a service maps: its method (<c>PAGE</c> for a Razor page, which takes any method) and route template.</summary>
internal sealed record MappedEndpoint(string Service, string Method, string Route)
{
    public override string ToString() => $"{Service} {Method} {Route}";
}

/// <summary>
/// The endpoints each service really maps, read from its <see cref="EndpointDataSource"/> after its own Program.cs ran
/// (in memory, on a test server, with every hosted service removed and connection strings that are never used): a new
/// <c>Map…</c> call anywhere shows up here without anyone listing it.
/// </summary>
internal static class MappedEndpoints
{
    public static IReadOnlyList<MappedEndpoint> Of(string service) => service switch
    {
        "ingestion" => Read<Alle.Ingestion.Sources.SourceStore>(service),
        "profiles" => Read<Alle.Profiles.Reading.ProfileStore>(service),
        "audiences" => Read<Alle.Audiences.Definitions.CatalogCache>(service),
        "messaging" => Read<Alle.Messaging.Sending.MessageStore>(service),
        "loyalty" => Read<Alle.Loyalty.Offers.OfferCatalog>(service),
        "web" => Read<Alle.Web.Services.Ingestion.LiveStreamRelay>(service),
        _ => throw new ArgumentOutOfRangeException(nameof(service), service, "Not a service behind the gateway."),
    };

    private static List<MappedEndpoint> Read<TServiceType>(string service) where TServiceType : class
    {
        using var factory = new WebApplicationFactory<TServiceType>().WithWebHostBuilder(web =>
        {
            // As the application runs them (launch profile): endpoints mapped only in development count too.
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
        var endpoints = factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>();
        return [.. endpoints
            .SelectMany(endpoint => endpoint.Metadata.GetMetadata<PageActionDescriptor>() is not null
                ? ["PAGE"]
                : endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["*"],
                (endpoint, method) => new MappedEndpoint(service, method, "/" + (endpoint.RoutePattern.RawText ?? "").TrimStart('/')))
            .Distinct()
            .OrderBy(e => e.Route, StringComparer.Ordinal).ThenBy(e => e.Method, StringComparer.Ordinal)];
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
        ["services:ingestion:http:0"] = "http://127.0.0.1:1",
        ["services:profiles:http:0"] = "http://127.0.0.1:1",
        ["services:audiences:http:0"] = "http://127.0.0.1:1",
        ["services:messaging:http:0"] = "http://127.0.0.1:1",
        ["services:loyalty:http:0"] = "http://127.0.0.1:1",
    };
}
