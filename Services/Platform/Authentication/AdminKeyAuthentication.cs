using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Alle.Platform.Authorization;

namespace Alle.Platform.Authentication;

/// <summary>
/// Authentication of admin and operator APIs: the admin key from configuration (<c>Alle:AdminKey</c>, the owner of
/// everything), presented as <c>Authorization: Bearer {key}</c> or as HTTP Basic with the key as user name (how Segment's
/// APIs take tokens), or an operator token (<see cref="OperatorTokens"/>) for a signed-in operator or an API key.
/// Endpoint groups declare what they need with <c>.RequirePermission(Permissions.…)</c>; <see cref="Policy"/> is
/// the admin key or an owner.
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

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<OperatorTokens>();
        builder.Services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, Handler>(Scheme, null);
        var policies = builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Policy, policy => policy.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser().RequireRole("admin"));
        foreach (var permission in Permissions.All)
        {
            policies.AddPolicy(Permissions.PolicyName(permission), policy => policy.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser()
                .RequireClaim(ActorClaims.Permission, permission));
        }
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

    private sealed class Handler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IConfiguration configuration,
        OperatorTokens tokens)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            var presented = ReadPresentedKey(Request.Headers.Authorization);
            if (presented is null)
            {
                return Task.FromResult(AuthenticateResult.NoResult());
            }
            Actor? actor;
            if (presented.StartsWith(OperatorTokens.Prefix, StringComparison.Ordinal))
            {
                actor = tokens.Validate(presented);
                if (actor is null)
                {
                    return Task.FromResult(AuthenticateResult.Fail("The operator token is not valid or has expired."));
                }
            }
            else if (KeysMatch(presented, configuration[ConfigurationKey]!))
            {
                actor = Actor.AdminKey;
            }
            else if (IsBasic(Request.Headers.Authorization))
            {
                // Segment's libraries send the write key as a Basic user name on every tracking call: not an attempt
                // at this scheme, so no failure is recorded (and logged) for each one.
                return Task.FromResult(AuthenticateResult.NoResult());
            }
            else
            {
                return Task.FromResult(AuthenticateResult.Fail("The admin key is not valid."));
            }
            var principal = new ClaimsPrincipal(ActorClaims.Identity(actor, AdminKeyAuthentication.Scheme));
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, AdminKeyAuthentication.Scheme)));
        }

        private static bool IsBasic(string? authorization) => authorization?.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase) == true;

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
            var missing = Context.GetEndpoint()?.Metadata.GetMetadata<RequiredPermission>()?.Permission;
            await Results.Problem(statusCode: 403, title: "Forbidden",
                detail: missing is null ? "This credential may not do this." : $"This needs the permission '{missing}', which this credential does not have.")
                .ExecuteAsync(Context);
        }
    }
}
