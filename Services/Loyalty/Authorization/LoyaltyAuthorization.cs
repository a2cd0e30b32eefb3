using System.Security.Claims;
using System.Text.Encodings.Web;
using Alle.Platform.Authentication;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Alle.Loyalty.Authorization;

/// <summary>
/// Who may call what: admin key (operators, the portal's trusted calls, journeys), provider key (provider systems:
/// purchases, refunds, coupon redemption, pre-registration) and member tokens (a member on her own account; the admin
/// key may act on any account).
/// </summary>
internal static class LoyaltyAuthorization
{
    public const string ProviderScheme = "ProviderKey";
    public const string ProviderPolicy = "provider";
    public const string MemberOrAdminScheme = "MemberOrAdmin";
    public const string MemberOrAdminPolicy = "member-or-admin";
    public const string ProviderKeyConfiguration = "Loyalty:ProviderKey";

    public static void AddLoyaltyAuthorization(this IHostApplicationBuilder builder)
    {
        if (string.IsNullOrWhiteSpace(builder.Configuration[ProviderKeyConfiguration]))
        {
            throw new InvalidOperationException($"Configuration key '{ProviderKeyConfiguration}' (environment variable Loyalty__ProviderKey) is missing; provider APIs cannot be protected without it.");
        }
        builder.AddAdminKeyAuthentication();
        builder.AddMemberTokenAuthentication();
        builder.Services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, ProviderKeyHandler>(ProviderScheme, null)
            // A member token goes to the member scheme, anything else to the admin key: one challenge, one answer.
            .AddPolicyScheme(MemberOrAdminScheme, null, scheme => scheme.ForwardDefaultSelector = context =>
                context.Request.Headers.Authorization.ToString().StartsWith("Bearer mt1.", StringComparison.Ordinal) ? MemberTokens.Scheme : AdminKeyAuthentication.Scheme);
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(ProviderPolicy, policy => policy.AddAuthenticationSchemes(ProviderScheme).RequireAuthenticatedUser().RequireRole("provider"))
            .AddPolicy(MemberOrAdminPolicy, policy => policy.AddAuthenticationSchemes(MemberOrAdminScheme).RequireAuthenticatedUser());
    }

    /// <summary>Whether the caller may act on <paramref name="memberId"/>'s account: the member herself, or an admin.</summary>
    public static bool MayActFor(this ClaimsPrincipal user, string memberId) =>
        user.IsInRole("admin") || string.Equals(user.MemberId(), memberId, StringComparison.Ordinal);

    private sealed class ProviderKeyHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IConfiguration configuration)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            var presented = AdminKeyAuthentication.ReadPresentedKey(Request.Headers.Authorization);
            if (presented is null)
            {
                return Task.FromResult(AuthenticateResult.NoResult());
            }
            if (!AdminKeyAuthentication.KeysMatch(presented, configuration[ProviderKeyConfiguration]!))
            {
                return Task.FromResult(AuthenticateResult.Fail("The provider key is not valid."));
            }
            var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "provider"), new Claim(ClaimTypes.Role, "provider")], ProviderScheme);
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), ProviderScheme)));
        }

        protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
        {
            Response.StatusCode = StatusCodes.Status401Unauthorized;
            Response.Headers.WWWAuthenticate = "Bearer";
            await Results.Problem(statusCode: 401, title: "Authentication required",
                detail: "Present the provider key as 'Authorization: Bearer <key>' or as the HTTP Basic user name.").ExecuteAsync(Context);
        }

        protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
        {
            Response.StatusCode = StatusCodes.Status403Forbidden;
            await Results.Problem(statusCode: 403, title: "Forbidden").ExecuteAsync(Context);
        }
    }
}
