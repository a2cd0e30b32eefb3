using Alle.Platform.Audit;
using Alle.Destinations.Configuration;
using Alle.Destinations.Delivery;
using Alle.Destinations.Intake;
using Alle.Destinations.Integrations;
using Alle.Destinations.Maintenance;
using Alle.Destinations.Network;
using Alle.Destinations.Privacy;
using Alle.Destinations.Syncs;
using Alle.Platform.Authentication;
using Alle.Platform.DeadLetters;
using Alle.Platform.Identifiers;
using Alle.Platform.Migrations;
using Alle.Platform.Outbox;
using Alle.Platform.Workers;
using Microsoft.Extensions.Options;

namespace Alle.Destinations.Extensions;

internal static class ApplicationServiceExtensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(DestinationsOptions.Section).Get<DestinationsOptions>() ?? new DestinationsOptions();
        if (options.Validate().ToList() is { Count: > 0 } problems)
        {
            throw new InvalidOperationException("Destinations configuration is invalid: " + string.Join(" ", problems));
        }
        builder.Services.Configure<DestinationsOptions>(builder.Configuration.GetSection(DestinationsOptions.Section));

        builder.AddAdminKeyAuthentication();
        builder.AddNpgsqlDataSource("destinationsdb", configureDataSourceBuilder: dataSource => dataSource.TraceOperationsOnly());
        builder.AddOutbox("destinationsdb");
        builder.AddAuditLog("destinationsdb");
        builder.AddDatabaseMigrations("destinationsdb");
        builder.AddEventBus("eventbus", bus =>
        {
            bus.AddConsumer<EventsIngestedConsumer>();
            bus.AddConsumer<AudienceMembershipChangedConsumer>();
            bus.AddConsumer<ComputedTraitChangedConsumer>();
            bus.AddConsumer<ProfileDeletedConsumer>();
            bus.AddConsumer<SubjectsSuppressedConsumer>();
        });
        builder.AddDeadLetters();
        builder.AddIdentifierNormalization();
        builder.Services.AddMemoryCache();

        // Loopback is for development (the tests' receivers); a deployment reaches public addresses only unless told otherwise.
        var policy = new DestinationUrlPolicy(options.Network.AllowLoopback ?? builder.Environment.IsDevelopment(), options.Network.AllowPrivateNetworks);
        builder.Services.AddSingleton(policy);
#pragma warning disable EXTEXP0001
        builder.Services.AddHttpClient<DestinationHttpClient>(http => http.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => DestinationHttpClient.CreateHandler(policy))
            .RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        var adminKey = builder.Configuration[AdminKeyAuthentication.ConfigurationKey]!;
        builder.Services.AddHttpClient<ProfilesClient>(http =>
        {
            http.BaseAddress = new Uri(builder.Configuration["Destinations:ProfilesBaseAddress"] ?? "http://profiles");
            http.DefaultRequestHeaders.Authorization = new("Bearer", adminKey);
        });
        builder.Services.AddHttpClient<IngestionClient>(http =>
        {
            http.BaseAddress = new Uri(builder.Configuration["Destinations:IngestionBaseAddress"] ?? "http://ingestion");
            http.DefaultRequestHeaders.Authorization = new("Bearer", adminKey);
        });
        builder.Services.AddHttpClient<AudiencesClient>(http =>
        {
            http.BaseAddress = new Uri(builder.Configuration["Destinations:AudiencesBaseAddress"] ?? "http://audiences");
            http.DefaultRequestHeaders.Authorization = new("Bearer", adminKey);
        });

        builder.Services.AddSingleton<CatalogStore>();
        builder.Services.AddSingleton<MemberDataExport>();
        builder.Services.AddSingleton<SampleBuffer>();
        builder.Services.AddSingleton<DeliveryIntake>();
        builder.Services.AddSingleton<DeliveryLane>();
        builder.Services.AddSingleton<DeliveryReports>();
        builder.Services.AddSingleton<WorkSignal<DeliveryWorker>>();

        builder.Services.AddHostedService<CatalogRefresher>();
        builder.Services.AddHostedService<DeliveryWorker>();
        builder.Services.AddHostedService<BackfillWorker>();
        builder.Services.AddHostedService<RetentionWorker>();
    }
}
