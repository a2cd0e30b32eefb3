using Alle.TwilioSandbox.Delivery;
using Alle.TwilioSandbox.Phones;

namespace Alle.TwilioSandbox.Extensions;

internal static class SandboxServiceExtensions
{
    public static void AddSandboxServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SandboxOptions>()
            .Bind(builder.Configuration.GetSection(SandboxOptions.Section))
            .Validate(o => !string.IsNullOrWhiteSpace(o.AccountSid) && !string.IsNullOrWhiteSpace(o.AuthToken), "Sandbox:AccountSid and Sandbox:AuthToken are required.")
            .ValidateOnStart();

        builder.Services.AddSingleton<MessageBook>();
        builder.Services.AddSingleton<DeliverySimulator>();
        builder.Services.AddHostedService(services => services.GetRequiredService<DeliverySimulator>());
#pragma warning disable EXTEXP0001 // Webhooks are retried by the simulator, as Twilio would; no second layer of retries.
        builder.Services.AddHttpClient<WebhookClient>(http => http.Timeout = TimeSpan.FromSeconds(15)).RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
    }
}
