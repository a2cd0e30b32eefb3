using Alle.Audiences.Profiles;
using Alle.Audiences.Conditions;
using Alle.Platform.Audit;
using Alle.Audiences.Batch;
using Alle.Audiences.ComputedTraits;
using Alle.Audiences.Definitions;
using Alle.Audiences.Membership;
using Alle.Audiences.Outbox;
using Alle.Audiences.Privacy;
using Alle.Audiences.RealTime;
using Alle.Audiences.ReverseEtl;
using Alle.Platform.Authentication;
using Alle.Platform.DeadLetters;
using Alle.Platform.Identifiers;
using Alle.Platform.Migrations;
using Alle.Platform.Outbox;
using Alle.Platform.Sql;
using Alle.Platform.Tracking;
using Alle.Platform.Workers;
using MassTransit;

namespace Alle.Audiences.Extensions;

internal static class ApplicationServiceExtensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddAdminKeyAuthentication();
        builder.AddNpgsqlDataSource("audiencesdb", configureDataSourceBuilder: dataSource => dataSource.TraceOperationsOnly());
        builder.AddKeyedNpgsqlDataSource("warehousedb", configureDataSourceBuilder: dataSource => dataSource.TraceOperationsOnly());
        builder.AddOutbox("audiencesdb");
        builder.AddAuditLog("audiencesdb");
        builder.AddDatabaseMigrations("audiencesdb");
        builder.AddIdentifierNormalization();
        builder.AddTrackingClient();

        builder.Services.AddSingleton<CatalogCache>();
        builder.Services.AddSingleton<AudienceStore>();
        builder.Services.AddSingleton<TraitNameStore>();
        builder.Services.AddSingleton<ConditionChecks>();
        builder.Services.AddSingleton<ComputedTraitStore>();
        builder.Services.AddSingleton<MembershipStore>();
        builder.Services.AddSingleton<ModelStore>();
        builder.Services.AddSingleton<ProfileEvaluator>();
        builder.Services.AddSingleton<WorkSignal<ComputationWorker>>();
        builder.Services.AddSingleton<AudienceComputation>();
        builder.Services.AddSingleton<ComputedTraitBackfill>();
        builder.Services.AddSingleton<WorkSignal<ReverseEtlWorker>>();
        builder.Services.AddSingleton<WarehouseAccess>();
        builder.Services.AddSingleton<ModelRunner>();
        builder.Services.AddSingleton<ModelValidator>();
        builder.Services.Configure<WindowExpiryOptions>(builder.Configuration.GetSection("Audiences:WindowExpiry"));
        builder.Services.Configure<ReverseEtlOptions>(builder.Configuration.GetSection("ReverseEtl"));

        builder.AddEventBus("eventbus", bus =>
        {
            bus.AddConsumer<ProfileUpdatedConsumer, ProfileUpdatedConsumerDefinition>();
            bus.AddConsumer<ProfilesMergedConsumer>();
            bus.AddConsumer<ProfileDeletedConsumer>();
            bus.AddConsumer<MemberReachabilityChangedConsumer>();
        });
        builder.AddDeadLetters();

        builder.Services.AddHostedService<ComputationWorker>();
        builder.Services.AddHostedService<WindowExpiryService>();
        builder.Services.AddHostedService<ReverseEtlWorker>();
    }
}
