using System.Security.Claims;
using Alle.Platform.Authorization;
using Alle.Web.Operators;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Alle.Web.Authentication;

/// <summary>
/// The console's session: a cookie of its own (path <c>/console</c>, eight hours at most, never renewed) naming the
/// operator and role. Every request re-reads the account, so a disabled operator is out at once and a changed role
/// applies at once; an admin-key session ends as soon as bootstrap is turned off.
/// </summary>
public static class ConsoleAuthentication
{
    public const string Scheme = "console";
    public const string Policy = "console";
    public const string OwnerPolicy = "console-owner";
    public const string OperatorRole = "operator";
    public const string RoleClaim = "operator_role";
    public const string IdClaim = "operator_id";
    public const string AdminKeyId = "admin-key";
    public static readonly TimeSpan SessionLifetime = TimeSpan.FromHours(8);

    public static Task SignInOperatorAsync(this HttpContext context, OperatorAccount account) =>
        context.SignInAsync(Scheme, Principal(account.Id.ToString(), account.Email, account.Role));

    public static Task SignInWithAdminKeyAsync(this HttpContext context) =>
        context.SignInAsync(Scheme, Principal(AdminKeyId, "admin key", OperatorRoles.Owner));

    /// <summary>The signed-in operator as an actor on the services, or null outside a console session.</summary>
    public static Actor? ConsoleActor(this ClaimsPrincipal user)
    {
        if (user.Identity is not { IsAuthenticated: true, AuthenticationType: Scheme } || user.FindFirst(IdClaim)?.Value is not { } id)
        {
            return null;
        }
        return id == AdminKeyId ? Actor.AdminKey : Actor.Operator(id, user.Identity.Name ?? "", user.FindFirst(RoleClaim)?.Value ?? "");
    }

    public static string? ConsoleRole(this ClaimsPrincipal user) => user.FindFirst(RoleClaim)?.Value;

    public static bool ConsoleMay(this ClaimsPrincipal user, string permission) =>
        user.ConsoleRole() is { } role && OperatorRoles.PermissionsOf(role).Contains(permission);

    internal static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var accounts = context.HttpContext.RequestServices.GetRequiredService<OperatorAccounts>();
        var id = context.Principal?.FindFirst(IdClaim)?.Value;
        if (id == AdminKeyId)
        {
            if (!accounts.BootstrapEnabled)
            {
                await RejectAsync(context);
            }
            return;
        }
        var store = context.HttpContext.RequestServices.GetRequiredService<OperatorStore>();
        if (!Guid.TryParse(id, out var operatorId) || await store.FindAsync(operatorId, context.HttpContext.RequestAborted) is not { DisabledAt: null } account)
        {
            await RejectAsync(context);
            return;
        }
        if (account.Role != context.Principal!.FindFirst(RoleClaim)?.Value)
        {
            context.ReplacePrincipal(Principal(id!, account.Email, account.Role));
        }
    }

    private static async Task RejectAsync(CookieValidatePrincipalContext context)
    {
        context.RejectPrincipal();
        await context.HttpContext.SignOutAsync(Scheme);
    }

    private static ClaimsPrincipal Principal(string id, string name, string role) => new(new ClaimsIdentity(
    [
        new Claim(ClaimTypes.Name, name),
        new Claim(ClaimTypes.Role, OperatorRole),
        new Claim(IdClaim, id),
        new Claim(RoleClaim, role),
    ], Scheme));
}
