using Microsoft.AspNetCore.Diagnostics;

namespace Alle.Loyalty.Apis;

/// <summary>
/// Request bodies that cannot be read (malformed JSON, wrong types, too large) become a problem response with the
/// status the framework chose (400, 413), in every environment, instead of a 500.
/// </summary>
internal sealed class BadRequestExceptionHandler(IProblemDetailsService problemDetails) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException badRequest)
        {
            return false;
        }
        httpContext.Response.StatusCode = badRequest.StatusCode;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails =
            {
                Status = badRequest.StatusCode,
                Title = badRequest.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Request body too large" : "Malformed request",
                Detail = badRequest.StatusCode == StatusCodes.Status413PayloadTooLarge
                    ? "Loyalty requests are small JSON documents (at most 4 MiB)."
                    : "The request body is not valid JSON of the expected shape (check property types).",
            },
        });
    }
}
