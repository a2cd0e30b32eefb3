using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Alle.Platform.Authentication;

/// <summary>
/// Authentication of admin and operator APIs with the admin key from configuration (<c>Alle:AdminKey</c>), presented as
/// <c>Authorization: Bearer {key}</c> or as HTTP Basic with the key as user name (how Segment's APIs take tokens).
/// Endpoints opt in with <c>.RequireAuthorization(AdminKeyAuthentication.Policy)</c>.
/// </summary>
public static class AdminKeyAuthentication
{
    public const string Scheme = "AdminKey";
    public const string Policy = "admin";
    public const string ConfigurationKey = "Alle:AdminKey";

    public static TBuilder AddAdminKeyAuthentication<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        if (string.IsNullOrWhiteSpace(builder.Configuration[ConfigurationKey]))
        {
            throw new InvalidOperationException($"Configuration key '{ConfigurationKey}' (environment variable Alle__AdminKey) is missing; admin APIs cannot be protected without it.");
        }

        builder.Services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, Handler>(Scheme, null);
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Policy, policy => policy.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser().RequireRole("admin"));
        return builder;
    }

    /// <summary>The key from an Authorization header: the Bearer token, or the Basic user name.</summary>
    public static string? ReadPresentedKey(string? authorization)
    {
        if (string.IsNullOrEmpty(authorization))
        {
            return null;
        }
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return authorization[7..].Trim();
        }
        if (authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(authorization[6..].Trim()));
                var colon = decoded.IndexOf(':', StringComparison.Ordinal);
                return colon < 0 ? decoded : decoded[..colon];
            }
            catch (FormatException)
            {
                return null;
            }
        }
        return null;
    }

    public static bool KeysMatch(string? presented, string expected) => presented is not null
        && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));

    private sealed class Handler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IConfiguration configuration)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            var presented = ReadPresentedKey(Request.Headers.Authorization);
            if (presented is null)
            {
                return Task.FromResult(AuthenticateResult.NoResult());
            }
            if (!KeysMatch(presented, configuration[ConfigurationKey]!))
            {
                return Task.FromResult(AuthenticateResult.Fail("The admin key is not valid."));
            }
            var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "admin"), new Claim(ClaimTypes.Role, "admin")], AdminKeyAuthentication.Scheme);
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), AdminKeyAuthentication.Scheme)));
        }

        protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
        {
            Response.StatusCode = StatusCodes.Status401Unauthorized;
            Response.Headers.WWWAuthenticate = "Bearer";
            await Results.Problem(statusCode: 401, title: "Authentication required",
                detail: "Present the admin key as 'Authorization: Bearer <key>' or as the HTTP Basic user name.").ExecuteAsync(Context);
        }

        protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
        {
            Response.StatusCode = StatusCodes.Status403Forbidden;
            await Results.Problem(statusCode: 403, title: "Forbidden").ExecuteAsync(Context);
        }
    }
}
