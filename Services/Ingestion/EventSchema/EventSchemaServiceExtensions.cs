using Alle.Ingestion.EventSchema;

// Beside the feature it registers; in the Extensions namespace so Program's wiring needs one line.
namespace Alle.Ingestion.Extensions;

internal static class EventSchemaServiceExtensions
{
    public static void AddEventSchema(this IServiceCollection services)
    {
        services.AddSingleton<EventSchemaStore>();
        services.AddSingleton<EventSchemaCollector>();
        services.AddHostedService(provider => provider.GetRequiredService<EventSchemaCollector>());
    }
}
