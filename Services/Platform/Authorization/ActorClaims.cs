using System.Security.Claims;

namespace Alle.Platform.Authorization;

/// <summary>The claims an authenticated admin-API caller carries, and reading them back.</summary>
public static class ActorClaims
{
    public const string Permission = "permission";
    public const string Kind = "actor_kind";
    public const string Id = "actor_id";

    public static ClaimsIdentity Identity(Actor actor, string scheme)
    {
        var claims = new List<Claim>
        {
            new(ClaimTypes.Name, actor.Name),
            new(Kind, actor.Kind),
            new(Id, actor.Id),
        };
        if (actor.Role is { } role)
        {
            claims.Add(new Claim(ClaimTypes.Role, role));
            // The admin key and owners may act on any member's account (the member-or-admin endpoints).
            if (role == OperatorRoles.Owner && actor.Permissions.Count == Permissions.All.Count)
            {
                claims.Add(new Claim(ClaimTypes.Role, "admin"));
            }
        }
        claims.AddRange(actor.Permissions.Select(permission => new Claim(Permission, permission)));
        return new ClaimsIdentity(claims, scheme);
    }

    public static bool HasPermission(this ClaimsPrincipal user, string permission) => user.HasClaim(Permission, permission);

    /// <summary>Who the caller is, for the audit log; null for anonymous callers.</summary>
    public static Actor? Actor(this ClaimsPrincipal user) => user.FindFirst(Kind)?.Value is { } kind
        ? new Actor(kind, user.FindFirst(Id)?.Value ?? "", user.Identity?.Name ?? "", user.FindFirst(ClaimTypes.Role)?.Value,
            user.FindAll(Permission).Select(claim => claim.Value).ToArray())
        : null;
}
