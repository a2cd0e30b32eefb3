using Alle.Profiles.Timeline;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Alle.Profiles.Apis;

/// <summary>Segment's Profile API read paths (walking skeleton: events by user id).</summary>
internal static class ProfileApi
{
    public static void MapProfileApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/profiles/v1/spaces/{space}/collections/users/profiles")
            .RequireAuthorization(AdminKeyAuthentication.Policy);
        api.MapGet("/{identifier}/events", GetEvents);
    }

    private static async Task<Results<Ok<EventsPage>, NotFound<NotFoundBody>, ProblemHttpResult>> GetEvents(
        string identifier, TimelineStore timeline, CancellationToken cancellationToken, int limit = 10)
    {
        if (!identifier.StartsWith("user_id:", StringComparison.Ordinal) || identifier.Length == "user_id:".Length)
        {
            return TypedResults.Problem(statusCode: 400, title: "Malformed identifier", detail: "Use user_id:<value>.");
        }

        var events = await timeline.ReadAsync(identifier["user_id:".Length..], Math.Clamp(limit, 1, 200), cancellationToken);
        return events.Count == 0
            ? TypedResults.NotFound(new NotFoundBody(new ErrorBody("not_found", "Profile was not found.")))
            : TypedResults.Ok(new EventsPage(events));
    }

    internal sealed record EventsPage(IReadOnlyList<TimelineEvent> Data);

    internal sealed record NotFoundBody(ErrorBody Error);

    internal sealed record ErrorBody(string Code, string Message);
}
