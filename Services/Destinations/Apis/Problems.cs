using Alle.Destinations.Validation;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Alle.Destinations.Apis;

/// <summary>The RFC 7807 refusals of the Destinations API; <c>type</c> names the reason.</summary>
internal static class Problems
{
    public static ProblemHttpResult NotFound(string what, string detail) =>
        TypedResults.Problem(statusCode: 404, title: $"{what} not found", detail: detail, type: $"urn:alle:destinations:{what.ToLowerInvariant().Replace(' ', '-')}-not-found");

    public static ProblemHttpResult Conflict(string reason, string title, string detail) =>
        TypedResults.Problem(statusCode: 409, title: title, detail: detail, type: $"urn:alle:destinations:{reason}");

    public static ValidationProblem Invalid(ValidationErrors errors) => TypedResults.ValidationProblem(errors.ToDictionary());

    public static ValidationProblem Invalid(string path, string message)
    {
        var errors = new ValidationErrors();
        errors.Add(path, message);
        return Invalid(errors);
    }

    public static ProblemHttpResult DestinationNotFound(Guid id) => NotFound("Destination", $"There is no destination {id}.");
}
