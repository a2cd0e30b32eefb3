using Microsoft.AspNetCore.Http.HttpResults;

namespace Alle.Profiles.Apis;

/// <summary>
/// Errors of the Segment-compatible paths: RFC 7807 problem responses that also carry Segment's
/// <c>{"error": {"code", "message"}}</c> member, so Segment clients and problem-aware clients both read them.
/// </summary>
internal static class SegmentErrors
{
    public static ProblemHttpResult ProfileNotFound() => Problem(404, "not_found", "Profile was not found.");

    public static ProblemHttpResult Validation(string message) => Problem(400, "validation_error", message);

    private static ProblemHttpResult Problem(int status, string code, string message) => TypedResults.Problem(
        statusCode: status,
        title: message,
        extensions: new Dictionary<string, object?> { ["error"] = new SegmentError(code, message) });

    internal sealed record SegmentError(string Code, string Message);
}
