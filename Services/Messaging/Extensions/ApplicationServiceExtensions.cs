using Alle.Platform.Audit;
using Alle.Messaging.Consent;
using Alle.Messaging.Inbound;
using Alle.Messaging.Integrations;
using Alle.Messaging.Journeys;
using Alle.Messaging.Log;
using Alle.Messaging.Privacy;
using Alle.Messaging.Sending;
using Alle.Messaging.Twilio;
using Alle.Messaging.Verification;
using Alle.Platform.Authentication;
using Alle.Platform.DeadLetters;
using Alle.Platform.Identifiers;
using Alle.Platform.Migrations;
using Alle.Platform.Outbox;
using Alle.Platform.Tracking;
using Alle.Platform.Workers;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Alle.Messaging.Extensions;

internal static class ApplicationServiceExtensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddAdminKeyAuthentication();
        builder.AddMemberTokenAuthentication();
        builder.AddNpgsqlDataSource("messagingdb", configureDataSourceBuilder: dataSource => dataSource.TraceOperationsOnly());
        // Connected at start (Aspire connects on first use): a missing ConnectionStrings:cache fails the start, not a request.
        // While Redis is unreachable a command fails at once, rather than after waiting 5 s for a connection, so the
        // fall-back (PostgreSQL) answers as fast as it would without a cache.
        builder.AddRedisClient("cache", settings => settings.DisableAutoActivation = false, redis => redis.BacklogPolicy = BacklogPolicy.FailFast);
        builder.AddOutbox("messagingdb");
        builder.AddAuditLog("messagingdb");
        builder.AddDatabaseMigrations("messagingdb");
        builder.AddEventBus("eventbus", bus =>
        {
            bus.AddConsumer<MemberEnrolledConsumer>();
            bus.AddConsumer<ProfileDeletedConsumer>();
            bus.AddConsumer<AudienceMembershipChangedConsumer>();
            bus.AddConsumer<ProfileUpdatedConsumer>();
            bus.AddConsumer<ProfileMergeConsumer>();
        });
        builder.AddDeadLetters();
        builder.AddTrackingClient();
        builder.AddIdentifierNormalization();

        builder.Services.Configure<MessagingOptions>(builder.Configuration.GetSection(MessagingOptions.Section));
        builder.Services.AddTwilioClient(builder.Configuration.GetSection(TwilioOptions.Section));

        var adminKey = builder.Configuration[AdminKeyAuthentication.ConfigurationKey]!;
        builder.Services.AddHttpClient<ProfilesClient>(http =>
        {
            http.BaseAddress = new Uri(builder.Configuration["Messaging:ProfilesBaseAddress"] ?? "http://profiles");
            http.DefaultRequestHeaders.Authorization = new("Bearer", adminKey);
        });
        builder.Services.AddHttpClient<LoyaltyClient>(http =>
        {
            http.BaseAddress = new Uri(builder.Configuration["Messaging:LoyaltyBaseAddress"] ?? "http://loyalty");
            http.DefaultRequestHeaders.Authorization = new("Bearer", adminKey);
        });
        builder.Services.AddHttpClient<AudiencesClient>(http =>
        {
            http.BaseAddress = new Uri(builder.Configuration["Messaging:AudiencesBaseAddress"] ?? "http://audiences");
            http.DefaultRequestHeaders.Authorization = new("Bearer", adminKey);
        });

        builder.Services.AddSingleton<WorkSignal<MessageDispatcher>>();
        builder.Services.AddSingleton<WorkSignal<JourneyRunner>>();
        builder.Services.AddSingleton<WorkSignal<JourneyEnrolment>>();
        builder.Services.AddSingleton<MessageSeal>();
        builder.Services.AddSingleton<ConsentStore>();
        builder.Services.AddSingleton<MessageStore>();
        builder.Services.AddSingleton<DeliveryStatusRecorder>();
        builder.Services.AddSingleton<MessageLog>();
        builder.Services.AddSingleton(services =>
        {
            var options = services.GetRequiredService<IOptions<MessagingOptions>>().Value;
            return new MessagePricing(options.PricePerSegment, options.PricePerSegmentByEncoding, options.PriceCurrency);
        });
        builder.Services.AddSingleton<JourneyStore>();
        builder.Services.AddSingleton<JourneyEntries>();
        builder.Services.AddSingleton<JourneyReports>();
        builder.Services.AddSingleton<FrequencyCapCounter>();
        builder.Services.AddSingleton<VerificationService>();
        builder.Services.AddSingleton<PersonalDataExport>();
        builder.Services.AddScoped<InboundMessageHandler>();
        builder.Services.AddScoped<MemberPhones>();

        builder.Services.AddHostedService<MessageDispatcher>();
        builder.Services.AddHostedService<JourneyRunner>();
        builder.Services.AddHostedService<JourneyEnrolment>();
    }

    /// <summary>
    /// Twilio's SDK over a factory client, so telemetry and our handlers apply: <see cref="TwilioBaseUrlHandler"/> sends
    /// it to <c>Twilio:BaseUrl</c>, and our retry handler is the only one — message creation is not idempotent, so the
    /// standard resilience handler every client gets from the service defaults is removed rather than stacked on top.
    /// </summary>
    public static IHttpClientBuilder AddTwilioClient(this IServiceCollection services, IConfiguration section)
    {
        services.AddOptions<TwilioOptions>()
            .Bind(section)
            .Validate(o => !string.IsNullOrWhiteSpace(o.AccountSid) && !string.IsNullOrWhiteSpace(o.AuthToken), "Twilio:AccountSid and Twilio:AuthToken are required.")
            .Validate(o => !string.IsNullOrWhiteSpace(o.From) || !string.IsNullOrWhiteSpace(o.MessagingServiceSid), "Twilio:From or Twilio:MessagingServiceSid is required.")
            .Validate(o => Uri.TryCreate(o.BaseUrl, UriKind.Absolute, out var url) && url.Scheme is "http" or "https" && url.AbsolutePath == "/" && url.Query.Length == 0,
                "Twilio:BaseUrl must be an http(s) URL without a path.")
            .ValidateOnStart();
        services.AddSingleton<SenderThrottle>();
        services.AddTransient<TwilioBaseUrlHandler>();
        services.AddTransient<TwilioRetryHandler>();
        services.TryAddSingleton(TimeProvider.System);
#pragma warning disable EXTEXP0001
        return services.AddHttpClient<TwilioSender>(http => http.Timeout = TimeSpan.FromSeconds(60))
            .RemoveAllResilienceHandlers()
            // Outermost, ahead of service discovery's handler, so a base URL naming a service is resolved as well.
            .ConfigureAdditionalHttpMessageHandlers((handlers, provider) => handlers.Insert(0, provider.GetRequiredService<TwilioBaseUrlHandler>()))
            .AddHttpMessageHandler<TwilioRetryHandler>();
#pragma warning restore EXTEXP0001
    }
}
