using Alle.Platform.Audit;
using Alle.Ingestion.LiveStream;
using Alle.Ingestion.Outbox;
using Alle.Ingestion.RateLimiting;
using Alle.Ingestion.Sources;
using Alle.Ingestion.Storage;
using Alle.Ingestion.Suppression;
using Alle.Ingestion.Tracking;
using Alle.Ingestion.TrackingPlans;
using Alle.Ingestion.Warehouse;
using Alle.Platform.Authentication;
using Alle.Platform.DeadLetters;
using Alle.Platform.Identifiers;
using Alle.Platform.Migrations;
using Alle.Platform.Outbox;

namespace Alle.Ingestion.Extensions;

internal static class ApplicationServiceExtensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        // No automatic preparation (Npgsql's MaxAutoPrepare): in Npgsql 10.0.3 a statement PostgreSQL refuses on the use
        // that prepares it (a NUL in a filter, a unique violation) leaves its pooled connection out of step, and that
        // statement's next use returning rows fails with "Received unexpected backend message DataRow".
        builder.AddKeyedNpgsqlDataSource(IngestionDatabase.Name, configureDataSourceBuilder: dataSource => dataSource.TraceOperationsOnly());
        builder.AddKeyedNpgsqlDataSource(WarehouseDatabase.Name, configureDataSourceBuilder: dataSource => dataSource.TraceOperationsOnly());
        // Connected at start (Aspire connects on first use): a missing ConnectionStrings:cache fails the start, not a request.
        builder.AddRedisClient("cache", settings => settings.DisableAutoActivation = false, redis =>
        {
            // Rate limiting must not hold requests up when Redis is slow: it fails open instead.
            redis.AsyncTimeout = 1000;
            redis.SyncTimeout = 1000;
        });
        builder.AddAdminKeyAuthentication();

        builder.Services.Configure<IngestionOptions>(builder.Configuration.GetSection("Ingestion"));
        builder.AddIdentifierNormalization();

        // Schema first, then seeds and the suppression list, then the bus: nothing is consumed or accepted before they exist.
        // The request path delivers its own batches and deletes their rows; the relay takes what it left.
        builder.AddOutbox(IngestionDatabase.Name, keyed: true, defaults: outbox => outbox.Retention = TimeSpan.Zero);
        builder.AddAuditLog(IngestionDatabase.Name, keyed: true);
        builder.AddDatabaseMigrations(IngestionDatabase.Name, keyed: true);
        // The warehouse layout has its own history table: other services' scripts may share warehousedb.
        builder.AddDatabaseMigrations(WarehouseDatabase.Name, keyed: true, folder: "Warehouse.Schema", historyTable: "warehouse_schema_history");
        builder.Services.AddSingleton<SourceStore>();
        builder.Services.AddSingleton<SourceDirectory>();
        builder.Services.AddSingleton<SourceVolumeStore>();
        builder.Services.AddHostedService<SourceSeeder>();
        builder.Services.AddSingleton<SuppressionList>();
        builder.Services.AddHostedService(services => services.GetRequiredService<SuppressionList>());

        builder.AddEventBus("eventbus", bus =>
        {
            bus.AddConsumer<WarehouseLoader>(typeof(WarehouseLoaderDefinition));
            bus.AddConsumer<ProfileDeletedConsumer>();
            bus.AddConsumer<SubjectsSuppressedConsumer>();
        });
        builder.AddDeadLetters();

        builder.Services.AddSingleton<TrackingPlanStore>();
        builder.Services.AddSingleton<PlanViolations>();
        builder.Services.AddSingleton<RejectedEvents>();
        builder.Services.AddSingleton<EventLog>();
        builder.Services.AddSingleton<BrokerAvailability>();
        builder.Services.AddSingleton<CommittedBatchPublisher>();
        builder.Services.AddHostedService(services => services.GetRequiredService<CommittedBatchPublisher>());
        builder.Services.AddSingleton<GroupCommitter>();
        builder.Services.AddHostedService(services => services.GetRequiredService<GroupCommitter>());
        builder.Services.AddSingleton<SourceRateLimiter>();
        builder.Services.AddSingleton<LiveEventStream>();
        builder.Services.AddSingleton<TrackingIntake>();
        builder.Services.AddSingleton<WarehouseWriter>();
        builder.Services.AddHostedService<RetentionCleaner>();
        builder.Services.AddEventSchema();
    }
}
