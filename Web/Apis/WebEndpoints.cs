namespace Alle.Web.Apis;

/// <summary>Which requests are for pages (answered with HTML, errors on the error page) and which for Web's JSON APIs.</summary>
internal static class WebEndpoints
{
    private static readonly PathString[] ApiPrefixes = ["/api", "/internal", "/sign-in/status"];

    public static bool IsPage(HttpContext context) => !ApiPrefixes.Any(prefix => context.Request.Path.StartsWithSegments(prefix));
}
