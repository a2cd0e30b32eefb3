using System.Threading.RateLimiting;
using Alle.Platform.Authentication;
using Alle.Platform.Identifiers;
using Alle.Web.Authentication;
using Alle.Web.Services;
using Alle.Web.Tracking;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.StackExchangeRedis;
using StackExchange.Redis;

namespace Alle.Web.Extensions;

public static class ApplicationServiceExtensions
{
    public const string SignInRateLimit = "sign-in";

    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        if (string.IsNullOrWhiteSpace(builder.Configuration[AdminKeyAuthentication.ConfigurationKey]))
        {
            throw new InvalidOperationException("Configuration key 'Alle:AdminKey' (environment variable Alle__AdminKey) is missing: the portal's trusted calls and the console's sign-in need it.");
        }
        if (string.IsNullOrWhiteSpace(builder.Configuration[MemberTokens.ConfigurationKey]))
        {
            throw new InvalidOperationException("Configuration key 'Alle:MemberTokenKey' (environment variable Alle__MemberTokenKey) is missing: members' calls to the services are signed with it.");
        }

        // Cookies and antiforgery tokens must survive restarts and work on every replica: the keys live in Redis.
        // Connected at start (Aspire connects on first use): a missing ConnectionStrings:cache fails the start, not a request.
        builder.AddRedisClient("cache", settings => settings.DisableAutoActivation = false);
        services.AddDataProtection().SetApplicationName("alle-web");
        services.AddOptions<KeyManagementOptions>().Configure<IConnectionMultiplexer>((options, redis) =>
            options.XmlRepository = new RedisXmlRepository(() => redis.GetDatabase(), "alle:web:data-protection-keys"));

        builder.AddIdentifierNormalization();
        services.AddRazorPages(pages =>
        {
            pages.Conventions.AuthorizeFolder("/Account", PortalAuthentication.Policy);
            pages.Conventions.AuthorizeFolder("/Console", ConsoleAuthentication.Policy);
            pages.Conventions.AllowAnonymousToPage("/Console/SignIn");
        }).AddMvcOptions(mvc =>
        {
            mvc.Filters.Add<PageViewTracking>();
            // What a person reads beside a field, instead of "The value 'x' is not valid for Birthday."
            var messages = mvc.ModelBindingMessageProvider;
            messages.SetAttemptedValueIsInvalidAccessor((value, field) => $"\"{value}\" is not a valid {field}.");
            messages.SetValueMustBeANumberAccessor(field => $"Enter a number for the {field}.");
            messages.SetValueIsInvalidAccessor(value => $"\"{value}\" is not valid here.");
            messages.SetMissingBindRequiredValueAccessor(field => $"Enter your {field}.");
            messages.SetValueMustNotBeNullAccessor(value => "This cannot be empty.");
        });
        services.AddAntiforgery(options =>
        {
            options.Cookie.Name = ".alle.antiforgery";
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.HeaderName = "X-CSRF-TOKEN";
        });
        services.AddHttpContextAccessor();
        builder.AddPortalAuthentication();

        // Codes and admin keys are guessable only by trying: few tries per client address. Only posts are tries — showing
        // a sign-in page again (or the code page reloading to tell what became of the text) costs nothing.
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(SignInRateLimit, context => HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method)
                ? RateLimitPartition.GetNoLimiter("page views")
                : RateLimitPartition.GetFixedWindowLimiter(context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                    _ => new FixedWindowRateLimiterOptions { PermitLimit = 30, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
        });

        services.AddScoped<MemberTimeZone>();
        services.AddScoped<Alle.Web.Privacy.DataExport>();
        services.TryAddSingleton(TimeProvider.System);
        builder.AddPortalTracking();
        builder.AddServiceClients();
    }
}
