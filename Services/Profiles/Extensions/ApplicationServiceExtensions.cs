using Alle.Platform.Audit;
using Alle.Platform.Authentication;
using Alle.Platform.DeadLetters;
using Alle.Platform.Identifiers;
using Alle.Platform.Migrations;
using Alle.Platform.Outbox;
using Alle.Platform.Workers;
using Alle.Profiles.Caching;
using Alle.Profiles.Identity;
using Alle.Profiles.Merges;
using Alle.Profiles.Outbox;
using Alle.Profiles.Privacy;
using Alle.Profiles.Reading;
using Alle.Profiles.Resolution;
using MassTransit;
using StackExchange.Redis;

namespace Alle.Profiles.Extensions;

internal static class ApplicationServiceExtensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddAdminKeyAuthentication();
        builder.AddMemberTokenAuthentication();
        builder.AddNpgsqlDataSource("profilesdb", configureDataSourceBuilder: dataSource => dataSource.TraceOperationsOnly());
        // Connected at start (Aspire connects on first use): a missing ConnectionStrings:cache fails the start, not a request.
        // While Redis is unreachable a command fails at once, rather than after waiting 5 s for a connection, so the
        // fall-back (PostgreSQL) answers as fast as it would without a cache.
        builder.AddRedisClient("cache", settings => settings.DisableAutoActivation = false, redis => redis.BacklogPolicy = BacklogPolicy.FailFast);
        // One row per resolved event: delivered rows go at once rather than filling the table.
        builder.AddOutbox("profilesdb", defaults: outbox => outbox.Retention = TimeSpan.Zero);
        builder.AddAuditLog("profilesdb");
        builder.AddDatabaseMigrations("profilesdb");
        builder.AddEventBus("eventbus", bus =>
        {
            bus.AddConsumer<EventsIngestedConsumer, EventsIngestedConsumerDefinition>();
            bus.AddConsumer<PersonalDataDeletedConsumer>();
        });
        builder.AddDeadLetters();

        builder.AddIdentifierNormalization();
        var identityOptions = builder.Configuration.GetSection(IdentityResolutionOptions.Section).Get<IdentityResolutionOptions>() ?? new();
        var identityRules = new IdentityRules(identityOptions); // a pattern the linear engine cannot run fails the start, not an identify
        builder.Services.AddSingleton(services => new IdentifierNormalizer(identityRules, services.GetRequiredService<PhoneNumberNormalizer>()));
        builder.Services.Configure<PrivacyOptions>(builder.Configuration.GetSection(PrivacyOptions.Section));

        builder.Services.AddSingleton(services => new LocalProfileCache(services.GetRequiredService<TimeProvider>(),
            builder.Configuration.GetValue("Profiles:Cache:LocalCapacity", 20_000),
            builder.Configuration.GetValue("Profiles:Cache:LocalTtl", TimeSpan.FromMinutes(5))));
        builder.Services.AddSingleton<ProfileCache>();
        builder.Services.AddSingleton<CacheMetrics>();
        builder.Services.AddHostedService<CacheInvalidationListener>();
        builder.Services.AddSingleton<ProfileStore>();
        builder.Services.AddSingleton<ProfileDirectory>();
        builder.Services.AddSingleton<ProfileResolver>();
        builder.Services.AddSingleton<ResolutionMetrics>();
        builder.Services.AddSingleton<ProfileExporter>();
        builder.Services.AddSingleton<Unmerger>();
        builder.Services.AddSingleton<RegulationStore>();
        builder.Services.AddSingleton<WorkSignal<RegulationProcessor>>();
        builder.Services.AddSingleton<IOutboxBusHooks, ProfileOutboxHooks>();
        builder.Services.AddHostedService<RegulationProcessor>();
    }
}
