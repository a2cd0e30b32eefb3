using System.Net.Http.Headers;
using Alle.Platform.Authentication;
using Alle.Platform.Authorization;
using Alle.Web.Authentication;

namespace Alle.Web.Services;

/// <summary>
/// Credentials for calls to the services' admin APIs: a signed-in operator's own short-lived operator token (so the
/// service applies her role and records her in its audit log), otherwise — the portal's trusted calls (enrolment,
/// look-ups, deletion requests) — the admin key.
/// </summary>
public sealed class AdminKeyHandler(IConfiguration configuration, IHttpContextAccessor accessor, OperatorTokens tokens) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Authorization = accessor.HttpContext?.User.ConsoleActor() is { } actor
            ? new AuthenticationHeaderValue("Bearer", tokens.Create(actor))
            : new AuthenticationHeaderValue("Bearer", configuration[AdminKeyAuthentication.ConfigurationKey]);
        return base.SendAsync(request, cancellationToken);
    }
}

/// <summary>
/// Adds the signed-in member's token (minted server-side for the member in the portal's cookie), so the services
/// answer only about her; requests made before sign-in (one-time codes) go without one.
/// </summary>
public sealed class MemberTokenHandler(IHttpContextAccessor accessor, MemberTokenProvider tokens) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (accessor.HttpContext?.User.SignedInMemberId() is { } memberId)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens.TokenFor(memberId));
        }
        return base.SendAsync(request, cancellationToken);
    }
}
