using System.Net;
using Alle.Web.Services;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Mvc;

namespace Alle.Web.Operators;

/// <summary>
/// A console action the operator's role may not do is refused by the service itself (403); the page says so and shows
/// itself again rather than failing.
/// </summary>
public sealed class ForbiddenByServiceFilter : IAsyncPageFilter
{
    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        var executed = await next();
        if (executed.Exception is ServiceProblem { Status: HttpStatusCode.Forbidden } problem && executed.HandlerInstance is PageModel page)
        {
            page.TempData["Notice"] = $"Not allowed for your role: {problem.Describe()}";
            var request = context.HttpContext.Request;
            executed.Result = new RedirectResult(HttpMethods.IsGet(request.Method) ? "/console" : request.Path + request.QueryString);
            executed.ExceptionHandled = true;
        }
    }
}
