using Alle.Messaging.Consent;
using Alle.Messaging.Inbound;
using Alle.Messaging.Integrations;
using Alle.Messaging.Journeys;
using Alle.Messaging.Outbox;
using Alle.Messaging.Privacy;
using Alle.Messaging.Sending;
using Alle.Messaging.Twilio;
using Alle.Messaging.Verification;
using Microsoft.Extensions.Options;

namespace Alle.Messaging.Extensions;

internal static class ApplicationServiceExtensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddAdminKeyAuthentication();
        builder.AddMemberTokenAuthentication();
        builder.AddNpgsqlDataSource("messagingdb");
        builder.AddRedisClient("cache");
        builder.AddDatabaseMigrations("messagingdb");
        builder.AddEventBus("eventbus", bus =>
        {
            bus.AddConsumer<MemberEnrolledConsumer>();
            bus.AddConsumer<ProfileDeletedConsumer>();
            bus.AddConsumer<AudienceMembershipChangedConsumer>();
            bus.AddConsumer<ProfileUpdatedConsumer>();
        });
        builder.AddTrackingClient();

        builder.Services.Configure<MessagingOptions>(builder.Configuration.GetSection(MessagingOptions.Section));
        builder.Services.AddOptions<TwilioOptions>()
            .Bind(builder.Configuration.GetSection(TwilioOptions.Section))
            .Validate(o => !string.IsNullOrWhiteSpace(o.AccountSid) && !string.IsNullOrWhiteSpace(o.AuthToken), "Twilio:AccountSid and Twilio:AuthToken are required.")
            .Validate(o => !string.IsNullOrWhiteSpace(o.From) || !string.IsNullOrWhiteSpace(o.MessagingServiceSid), "Twilio:From or Twilio:MessagingServiceSid is required.")
            .ValidateOnStart();

        builder.Services.AddSingleton<SenderThrottle>();
        builder.Services.AddTransient<TwilioRetryHandler>();
#pragma warning disable EXTEXP0001 // Twilio message creation is not idempotent: only our own handler retries, and only what Twilio refused.
        builder.Services.AddHttpClient<TwilioClient>((services, http) => TwilioClient.Configure(http, services.GetRequiredService<IOptions<TwilioOptions>>().Value))
            .RemoveAllResilienceHandlers()
            .AddHttpMessageHandler<TwilioRetryHandler>();
#pragma warning restore EXTEXP0001

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

        builder.Services.AddSingleton<OutboxSignal>();
        builder.Services.AddSingleton<DispatchSignal>();
        builder.Services.AddSingleton<JourneySignal>();
        builder.Services.AddSingleton<ConsentStore>();
        builder.Services.AddSingleton<MessageStore>();
        builder.Services.AddSingleton<JourneyStore>();
        builder.Services.AddSingleton<FrequencyCapCounter>();
        builder.Services.AddSingleton<VerificationService>();
        builder.Services.AddScoped<InboundMessageHandler>();

        builder.Services.AddHostedService<OutboxRelay>();
        builder.Services.AddHostedService<MessageDispatcher>();
        builder.Services.AddHostedService<JourneyRunner>();
    }
}
