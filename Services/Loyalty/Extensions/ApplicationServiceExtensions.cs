using Alle.Platform.Audit;
using Alle.Loyalty.Authorization;
using Alle.Loyalty.CheckIns;
using Alle.Loyalty.Members;
using Alle.Loyalty.Offers;
using Alle.Loyalty.Points;
using Alle.Loyalty.Privacy;
using Alle.Loyalty.Providers;
using Alle.Loyalty.Storage;
using Alle.Loyalty.Tiers;
using Alle.Platform.DeadLetters;
using Alle.Platform.Identifiers;
using Alle.Platform.Migrations;
using Alle.Platform.Outbox;
using Alle.Platform.Tracking;
using Alle.Platform.Workers;
using Microsoft.Extensions.Options;

namespace Alle.Loyalty.Extensions;

internal static class ApplicationServiceExtensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(LoyaltyOptions.Section).Get<LoyaltyOptions>() ?? new LoyaltyOptions();
        var problems = options.Validate().ToList();
        if (problems.Count > 0)
        {
            throw new InvalidOperationException("Loyalty configuration is invalid: " + string.Join(" ", problems));
        }
        builder.Services.Configure<LoyaltyOptions>(builder.Configuration.GetSection(LoyaltyOptions.Section));

        builder.AddLoyaltyAuthorization();
        builder.AddNpgsqlDataSource("loyaltydb", configureDataSourceBuilder: dataSource => dataSource.TraceOperationsOnly());
        builder.AddOutbox("loyaltydb");
        builder.AddAuditLog("loyaltydb");
        builder.AddDatabaseMigrations("loyaltydb");
        builder.AddEventBus("eventbus", bus =>
        {
            bus.AddConsumer<AudienceMembershipChangedConsumer>();
            bus.AddConsumer<ProfileDeletedConsumer>();
        });
        builder.AddDeadLetters();
        builder.AddTrackingClient();
        builder.AddIdentifierNormalization();

        builder.Services.AddSingleton(services => new TierPolicy(services.GetRequiredService<IOptions<LoyaltyOptions>>().Value.Tiers));
        builder.Services.AddSingleton(services => new EarningRules(services.GetRequiredService<IOptions<LoyaltyOptions>>().Value.Points));
        builder.Services.AddSingleton<LoyaltyDatabase>();
        builder.Services.AddSingleton<TierChanges>();
        builder.Services.AddSingleton<PromotionCatalog>();
        builder.Services.AddSingleton<PointsLedger>();
        builder.Services.AddSingleton<MemberEnrolment>();
        builder.Services.AddSingleton<OfferCatalog>();
        builder.Services.AddSingleton<Coupons>();
        builder.Services.AddSingleton<ProviderDirectory>();
        builder.Services.AddSingleton<CheckInDesk>();
        builder.Services.AddSingleton<PersonalDataExport>();

        builder.Services.AddHostedService<PointsMaturation>();
    }
}
