using Alle.Web.Services.Audiences;
using Alle.Web.Services.Ingestion;
using Alle.Web.Services.Loyalty;
using Alle.Web.Services.Messaging;
using Alle.Web.Services.Operations;
using Alle.Web.Services.Profiles;

namespace Alle.Web.Services;

/// <summary>One typed client per service and credential, addressed by service name (service discovery), never through the gateway.</summary>
public static class ServiceClientExtensions
{
    public static void AddServiceClients(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddTransient<AdminKeyHandler>();
        services.AddTransient<MemberTokenHandler>();

        // The member's own data, with her member token.
        services.AddHttpClient<LoyaltyService>(http => http.BaseAddress = new Uri("http://loyalty")).AddHttpMessageHandler<MemberTokenHandler>();
        services.AddHttpClient<MessagingService>(http => http.BaseAddress = new Uri("http://messaging")).AddHttpMessageHandler<MemberTokenHandler>();
        services.AddHttpClient<ProfilesService>(http => http.BaseAddress = new Uri("http://profiles")).AddHttpMessageHandler<MemberTokenHandler>();

        // The portal's trusted calls and the console, with the admin key.
        services.AddHttpClient<LoyaltyAdminService>(http => http.BaseAddress = new Uri("http://loyalty")).AddHttpMessageHandler<AdminKeyHandler>();
        services.AddHttpClient<MessagingAdminService>(http => http.BaseAddress = new Uri("http://messaging")).AddHttpMessageHandler<AdminKeyHandler>();
        services.AddHttpClient<ProfilesAdminService>(http => http.BaseAddress = new Uri("http://profiles")).AddHttpMessageHandler<AdminKeyHandler>();
        services.AddHttpClient<AudiencesAdminService>(http => http.BaseAddress = new Uri("http://audiences")).AddHttpMessageHandler<AdminKeyHandler>();
        services.AddHttpClient<IngestionAdminService>(http => http.BaseAddress = new Uri("http://ingestion")).AddHttpMessageHandler<AdminKeyHandler>();

        // Replays move up to a thousand messages per call, each confirmed by the broker: more time, and no blind retries.
#pragma warning disable EXTEXP0001
        foreach (var service in OperationsClients.Services)
        {
            services.AddHttpClient(OperationsClients.Name(service), http =>
                {
                    http.BaseAddress = new Uri($"http://{service}");
                    http.Timeout = TimeSpan.FromSeconds(60);
                })
                .AddHttpMessageHandler<AdminKeyHandler>()
                .RemoveAllResilienceHandlers();
        }
#pragma warning restore EXTEXP0001
        services.AddTransient<DeadLettersAdminService>();
        services.AddTransient<OutboxStatusService>();

        // A live stream stays open as long as the operator watches: no time-out, no retries.
#pragma warning disable EXTEXP0001
        services.AddHttpClient<LiveStreamRelay>(http =>
            {
                http.BaseAddress = new Uri("http://ingestion");
                http.Timeout = Timeout.InfiniteTimeSpan;
            })
            .AddHttpMessageHandler<AdminKeyHandler>()
            .RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
    }
}
