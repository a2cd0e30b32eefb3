using Alle.Platform.Tracking;
using Alle.Web.Authentication;

namespace Alle.Web.Tracking;

/// <summary>
/// What the portal tells the platform about a visit: page views, actions and the identify at sign-in, with the
/// visitor's anonymous id (first-party cookie) and, once signed in, her member id as <c>userId</c>. Calls are queued
/// and sent in the background (<see cref="TrackingSender"/>), so tracking never slows or breaks a page.
/// </summary>
public sealed class PortalTracking(TrackingQueue queue, TimeProvider clock)
{
    public void Page(HttpContext context, string name, string? title = null)
    {
        var request = context.Request;
        var url = $"{request.Scheme}://{request.Host}{request.PathBase}{request.Path}{request.QueryString}";
        var properties = new Dictionary<string, object?>
        {
            ["path"] = $"{request.PathBase}{request.Path}",
            ["url"] = url,
            ["search"] = request.QueryString.HasValue ? request.QueryString.Value : "",
            ["referrer"] = request.Headers.Referer.ToString(),
            ["title"] = title ?? name,
        };
        queue.Enqueue(new PageCall(NewMessageId(), context.User.SignedInMemberId(), AnonymousId.Of(context), name, properties, clock.GetUtcNow())
        {
            Context = Context(context, properties),
        });
    }

    public void Track(HttpContext context, string eventName, object? properties = null, string? userId = null) =>
        queue.Enqueue(new TrackCall(NewMessageId(), userId ?? context.User.SignedInMemberId(), AnonymousId.Of(context), eventName, properties ?? new { }, clock.GetUtcNow())
        {
            Context = Context(context, null),
        });

    /// <summary>Ties the visitor's anonymous id to the member, so Profiles stitches her anonymous visit to her profile.</summary>
    public void Identify(HttpContext context, string memberId, object? traits = null) =>
        queue.Enqueue(new IdentifyCall(NewMessageId(), memberId, AnonymousId.Of(context), traits ?? new { }, clock.GetUtcNow())
        {
            Context = Context(context, null),
        });

    private string NewMessageId() => $"web-{Guid.CreateVersion7(clock.GetUtcNow()):N}";

    private static Dictionary<string, object?> Context(HttpContext context, Dictionary<string, object?>? page)
    {
        var result = new Dictionary<string, object?>
        {
            ["library"] = new { name = "alle-web", version = "1.0" },
            ["userAgent"] = context.Request.Headers.UserAgent.ToString(),
            ["locale"] = context.Request.Headers.AcceptLanguage.ToString().Split(',', 2)[0],
        };
        if (context.Connection.RemoteIpAddress is { } ip)
        {
            result["ip"] = ip.ToString();
        }
        if (page is not null)
        {
            result["page"] = page;
        }
        return result;
    }
}
