using Alle.Profiles.Timeline;

namespace Alle.Profiles.Extensions;

internal static class ApplicationServiceExtensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddAdminKeyAuthentication();
        builder.AddNpgsqlDataSource("profilesdb");
        builder.AddEventBus("eventbus", bus => bus.AddConsumer<EventsIngestedConsumer>());

        builder.Services.AddSingleton<TimelineStore>();
        builder.Services.AddHostedService<SchemaInitializer>();
    }
}
