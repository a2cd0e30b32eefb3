using Alle.Platform.Authorization;
using Alle.Destinations.Privacy;
using Alle.Platform.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Alle.Destinations.Apis;

/// <summary>
/// A member's part of "download my data": the consent she sent with her events, which of her events went (or are going,
/// or were held back) to which destination with the event itself while it is still queued or dead-lettered, and what
/// audience and trait syncs told destinations about her. Found by her user id (as the portal knows her).
/// </summary>
internal static class PrivacyApi
{
    public static void MapPrivacyApi(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/destinations/members/{userId}/export", Export).WithSummary("Everything Destinations holds about a member (access request)").RequirePermission(Permissions.MembersWrite, read: Permissions.PersonalDataRead);

    private static async Task<Results<Ok<MemberExport>, ValidationProblem>> Export(string userId, MemberDataExport export, CancellationToken cancellationToken)
    {
        if (userId.Length is 0 or > 200 || userId.Any(char.IsControl))
        {
            return Problems.Invalid("userId", "A user id is 1 to 200 characters without control characters.");
        }
        return TypedResults.Ok(await export.ExportAsync(userId, cancellationToken));
    }
}
