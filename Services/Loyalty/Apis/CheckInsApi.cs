using Alle.Loyalty.Authorization;
using Alle.Loyalty.CheckIns;
using Alle.Loyalty.Providers;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Alle.Loyalty.Apis;

/// <summary>Flash Rewards: a member checks in at a provider's office.</summary>
internal static class CheckInsApi
{
    public static void MapCheckInsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/loyalty/members/{memberId}/check-ins", CheckIn).RequireAuthorization(LoyaltyAuthorization.MemberOrAdminPolicy);
    }

    private static async Task<Results<Created<CheckInResponse>, Ok<CheckInResponse>, ProblemHttpResult, ValidationProblem>> CheckIn(
        string memberId, CheckInRequest request, HttpContext context, CheckInDesk desk, ProviderDirectory directory, CancellationToken cancellationToken)
    {
        if (!context.User.MayActFor(memberId))
        {
            return Problems.NotYourAccount();
        }
        if (string.IsNullOrWhiteSpace(request.ProviderId))
        {
            return Problems.Invalid("providerId", "The provider being visited is required.");
        }
        if (await directory.FindAsync(request.ProviderId, cancellationToken) is not { } provider)
        {
            return Problems.NotFound("Provider", $"Provider '{request.ProviderId}' does not exist.");
        }
        var (outcome, checkIn) = await desk.CheckInAsync(memberId, provider, cancellationToken);
        return outcome switch
        {
            CheckInOutcome.CheckedIn => TypedResults.Created($"/api/loyalty/members/{memberId}/check-ins/{checkIn!.CheckInId}", CheckInResponse.From(checkIn)),
            CheckInOutcome.Repeated => TypedResults.Ok(CheckInResponse.From(checkIn!)),
            _ => Problems.NotFound("Member", $"Member '{memberId}' does not exist."),
        };
    }
}

internal sealed record CheckInRequest(string? ProviderId);

internal sealed record CheckInResponse(string CheckInId, string ProviderId, string ProviderName, Guid? FlashOfferId, DateTimeOffset CheckedInAt)
{
    public static CheckInResponse From(CheckIn checkIn) => new(checkIn.CheckInId, checkIn.ProviderId, checkIn.ProviderName, checkIn.FlashOfferId, checkIn.CheckedInAt);
}
