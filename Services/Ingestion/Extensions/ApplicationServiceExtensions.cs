using Alle.Ingestion.Sources;
using Alle.Ingestion.Storage;

namespace Alle.Ingestion.Extensions;

internal static class ApplicationServiceExtensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddAdminKeyAuthentication();
        builder.AddKeyedNpgsqlDataSource("ingestiondb");
        builder.AddEventBus("eventbus");

        builder.Services.AddSingleton<WriteKeys>();
        builder.Services.AddSingleton<EventStore>();
        builder.Services.AddHostedService<SchemaInitializer>();
    }
}
