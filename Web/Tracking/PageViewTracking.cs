using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Alle.Web.Tracking;

/// <summary>Every portal page shown (GET answered with the page itself) becomes a page call; console pages are operators', not members', and are not tracked.</summary>
public sealed class PageViewTracking(PortalTracking tracking) : IAsyncPageFilter
{
    /// <summary>The page call's name from the page's path: <c>/Index</c> is Welcome, <c>/SignIn/Index</c> is SignIn, <c>/Account/Home</c> is Home.</summary>
    public static string NameOf(string viewEnginePath)
    {
        var segments = viewEnginePath.Trim('/').Split('/');
        var last = segments[^1];
        return last != "Index" ? last : segments.Length > 1 ? segments[^2] : "Welcome";
    }

    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        var http = context.HttpContext;
        var page = context.ActionDescriptor.ViewEnginePath;
        // The anonymous id cookie must be set before the page starts writing its response.
        if (!page.StartsWith("/Console", StringComparison.Ordinal))
        {
            AnonymousId.Of(http);
        }
        var executed = await next();
        if (HttpMethods.IsGet(http.Request.Method) && executed.Exception is null && executed.Result is PageResult or null
            && !page.StartsWith("/Console", StringComparison.Ordinal) && page != "/Error")
        {
            tracking.Page(http, NameOf(page));
        }
    }
}
