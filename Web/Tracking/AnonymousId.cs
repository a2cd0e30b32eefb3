namespace Alle.Web.Tracking;

/// <summary>
/// The visitor's anonymous id: a first-party cookie (<c>ajs_anonymous_id</c>, the name analytics.js uses) set on the
/// first visit and kept for a year; tracking calls carry it before and after sign-in.
/// </summary>
public static class AnonymousId
{
    public const string CookieName = "ajs_anonymous_id";
    private static readonly object s_key = new();

    public static string Of(HttpContext context) => context.Items[s_key] as string ?? Assign(context);

    /// <summary>Starts a new anonymous identity (after an account is deleted, nothing should tie the browser to it).</summary>
    public static void Reset(HttpContext context)
    {
        context.Items.Remove(s_key);
        Assign(context);
    }

    public static IApplicationBuilder UseAnonymousId(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        if (context.Request.Cookies.TryGetValue(CookieName, out var value) && Guid.TryParse(value, out var id))
        {
            context.Items[s_key] = id.ToString();
        }
        return next(context);
    });

    private static string Assign(HttpContext context)
    {
        var id = Guid.NewGuid().ToString();
        context.Items[s_key] = id;
        if (!context.Response.HasStarted)
        {
            context.Response.Cookies.Append(CookieName, id, new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Lax,
                Secure = context.Request.IsHttps,
                MaxAge = TimeSpan.FromDays(365),
                IsEssential = true,
            });
        }
        return id;
    }
}
