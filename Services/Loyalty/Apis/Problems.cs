using Microsoft.AspNetCore.Http.HttpResults;

namespace Alle.Loyalty.Apis;

/// <summary>The RFC 7807 refusals Loyalty answers with; <c>type</c> names the reason so clients can tell them apart.</summary>
internal static class Problems
{
    public static ProblemHttpResult NotFound(string what, string detail) =>
        TypedResults.Problem(statusCode: 404, title: $"{what} not found", detail: detail, type: $"urn:alle:loyalty:{Slug(what)}-not-found");

    public static ProblemHttpResult Conflict(string reason, string title, string detail) =>
        TypedResults.Problem(statusCode: 409, title: title, detail: detail, type: $"urn:alle:loyalty:{reason}");

    public static ProblemHttpResult Gone(string reason, string title, string detail) =>
        TypedResults.Problem(statusCode: 410, title: title, detail: detail, type: $"urn:alle:loyalty:{reason}");

    public static ProblemHttpResult NotYourAccount() =>
        TypedResults.Problem(statusCode: 403, title: "Not your account", detail: "A member token only gives access to its own member's data.", type: "urn:alle:loyalty:not-your-account");

    public static ValidationProblem Invalid(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });

    public static ValidationProblem Invalid(IDictionary<string, string[]> errors) => TypedResults.ValidationProblem(errors);

    private static string Slug(string what) => what.ToLowerInvariant().Replace(' ', '-');
}

/// <summary>Collects field errors of a request for one <see cref="ValidationProblem"/>.</summary>
internal sealed class RequestErrors
{
    private readonly Dictionary<string, string[]> _errors = new(StringComparer.Ordinal);

    public bool Any => _errors.Count > 0;

    public IDictionary<string, string[]> All => _errors;

    public void Add(string field, string message) =>
        _errors[field] = _errors.TryGetValue(field, out var existing) ? [.. existing, message] : [message];

    public void Require(bool condition, string field, string message)
    {
        if (!condition)
        {
            Add(field, message);
        }
    }
}
