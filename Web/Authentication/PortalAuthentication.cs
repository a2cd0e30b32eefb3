using System.Security.Claims;
using Alle.Platform.Authentication;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Alle.Web.Authentication;

/// <summary>
/// Two cookie schemes that never mix: members (the portal, claim <c>member_id</c>) and operators (the console under
/// <c>/console</c>, see <see cref="ConsoleAuthentication"/>). The member's service token never reaches the browser: pages mint it
/// server-side (<see cref="MemberTokenProvider"/>).
/// </summary>
public static class PortalAuthentication
{
    public const string Scheme = "member";
    public const string Policy = "member";

    public static void AddPortalAuthentication(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<MemberTokens>();
        builder.Services.AddSingleton<MemberTokenProvider>();
        builder.Services.AddSingleton<SignInFlow>();
        builder.Services.AddScoped<MemberSession>();

        builder.Services.AddAuthentication(Scheme)
            .AddCookie(Scheme, options =>
            {
                options.Cookie.Name = ".alle.member";
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Lax;
                options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                options.LoginPath = "/sign-in";
                options.LogoutPath = "/sign-out";
                options.AccessDeniedPath = "/sign-in";
                options.ExpireTimeSpan = TimeSpan.FromDays(14);
                options.SlidingExpiration = true;
            })
            .AddCookie(ConsoleAuthentication.Scheme, options =>
            {
                options.Cookie.Name = ".alle.console";
                options.Cookie.Path = "/console";
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Strict;
                options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                options.LoginPath = "/console/sign-in";
                options.LogoutPath = "/console/sign-out";
                options.AccessDeniedPath = "/console/sign-in";
                options.ExpireTimeSpan = ConsoleAuthentication.SessionLifetime;
                options.SlidingExpiration = false;
                options.Events.OnValidatePrincipal = ConsoleAuthentication.ValidateAsync;
            });

        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Policy, policy => policy.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser().RequireClaim(MemberTokens.MemberIdClaim))
            .AddPolicy(ConsoleAuthentication.Policy, policy => policy.AddAuthenticationSchemes(ConsoleAuthentication.Scheme).RequireAuthenticatedUser()
                .RequireRole(ConsoleAuthentication.OperatorRole))
            .AddPolicy(ConsoleAuthentication.OwnerPolicy, policy => policy.AddAuthenticationSchemes(ConsoleAuthentication.Scheme).RequireAuthenticatedUser()
                .RequireRole(ConsoleAuthentication.OperatorRole).RequireClaim(ConsoleAuthentication.RoleClaim, Alle.Platform.Authorization.OperatorRoles.Owner));
    }

    public static Task SignInMemberAsync(this HttpContext context, string memberId) =>
        context.SignInAsync(Scheme, new ClaimsPrincipal(new ClaimsIdentity([new Claim(MemberTokens.MemberIdClaim, memberId)], Scheme)),
            new AuthenticationProperties { IsPersistent = true });

    /// <summary>The signed-in member's id, from the portal's cookie only (never from the URL or a form).</summary>
    public static string? SignedInMemberId(this ClaimsPrincipal user) =>
        user.Identity is { IsAuthenticated: true, AuthenticationType: Scheme } ? user.FindFirst(MemberTokens.MemberIdClaim)?.Value : null;
}
