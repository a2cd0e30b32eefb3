namespace Alle.Web.Authentication;

/// <summary>The member this request acts for: always the one in the portal's cookie.</summary>
public sealed class MemberSession(IHttpContextAccessor accessor)
{
    public string? MemberId => accessor.HttpContext?.User.SignedInMemberId();

    public string RequireMemberId() => MemberId
        ?? throw new InvalidOperationException("This call acts for a signed-in member, and no member is signed in.");
}
