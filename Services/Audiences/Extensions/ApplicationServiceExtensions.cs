using Alle.Audiences.Batch;
using Alle.Audiences.Definitions;
using Alle.Audiences.Outbox;
using Alle.Audiences.Privacy;
using Alle.Audiences.RealTime;

namespace Alle.Audiences.Extensions;

internal static class ApplicationServiceExtensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddAdminKeyAuthentication();
        builder.AddNpgsqlDataSource("audiencesdb");
        builder.AddDatabaseMigrations("audiencesdb");
        builder.AddTrackingClient();

        builder.Services.AddSingleton<CatalogCache>();
        builder.Services.AddSingleton<ProfileEvaluator>();
        builder.Services.AddSingleton<OutboxSignal>();
        builder.Services.AddSingleton<ComputationSignal>();
        builder.Services.AddSingleton<AudienceComputation>();
        builder.Services.AddSingleton<ComputedTraitBackfill>();
        builder.Services.Configure<WindowExpiryOptions>(builder.Configuration.GetSection("Audiences:WindowExpiry"));

        builder.AddEventBus("eventbus", bus =>
        {
            bus.AddConsumer<ProfileUpdatedConsumer>();
            bus.AddConsumer<ProfilesMergedConsumer>();
            bus.AddConsumer<ProfileDeletedConsumer>();
        });

        builder.Services.AddHostedService<OutboxRelay>();
        builder.Services.AddHostedService<ComputationWorker>();
        builder.Services.AddHostedService<WindowExpiryService>();
    }
}
