using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Alle.Web.Pages;

[IgnoreAntiforgeryToken]
[ResponseCache(Duration = 0, Location = ResponseCacheLocation.None, NoStore = true)]
public sealed class ErrorModel : PageModel
{
    public string Title { get; private set; } = "Something went wrong";

    public string Message { get; private set; } = "We could not show this page just now. Please try again in a moment.";

    public bool InConsole { get; private set; }

    public void OnGet(int? status) => Describe(status);

    public void OnPost(int? status) => Describe(status);

    private void Describe(int? status)
    {
        var original = HttpContext.Features.Get<IStatusCodeReExecuteFeature>()?.OriginalPath
            ?? HttpContext.Features.Get<IExceptionHandlerPathFeature>()?.Path ?? "";
        InConsole = original.StartsWith("/console", StringComparison.OrdinalIgnoreCase);
        (Title, Message) = status switch
        {
            400 => ("The request was refused", "The form could not be accepted. Reload the page and try again."),
            403 => ("Not allowed", "You cannot open this page."),
            404 => ("Page not found", "There is nothing here, or it is not yours to see."),
            429 => ("Too many attempts", "Please wait a minute before trying again."),
            _ => (Title, Message),
        };
    }
}
