using Alle.Loyalty.Authorization;
using Alle.Loyalty.CheckIns;
using Alle.Loyalty.Providers;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Alle.Loyalty.Apis;

/// <summary>Flash Rewards: a member checks in at a provider's office; her check-ins.</summary>
internal static class CheckInsApi
{
    public static void MapCheckInsApi(this IEndpointRouteBuilder app)
    {
        var members = app.MapGroup("/api/loyalty/members/{memberId}/check-ins").RequireAuthorization(LoyaltyAuthorization.MemberOrAdminPolicy);
        members.MapPost("/", CheckIn).WithSummary("Check in at a provider (may issue a flash offer)");
        members.MapGet("/", List).WithSummary("The member's check-ins");
    }

    private static async Task<Results<Created<CheckInResponse>, ProblemHttpResult, ValidationProblem>> CheckIn(
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
        var (outcome, result, refusal) = await desk.CheckInAsync(memberId, provider, cancellationToken);
        var validAt = result?.FlashOffer is { } offer
            ? (await directory.FindManyAsync(offer.ProviderIds, cancellationToken)).ToDictionary(p => p.ProviderId, StringComparer.Ordinal)
            : null;
        return outcome switch
        {
            CheckInOutcome.CheckedIn => TypedResults.Created($"/api/loyalty/members/{memberId}/check-ins/{result!.CheckIn.CheckInId}", CheckInResponse.From(result, validAt)),
            CheckInOutcome.Refused => Refused(refusal!),
            _ => Problems.NotFound("Member", $"Member '{memberId}' does not exist."),
        };
    }

    private static async Task<Results<Ok<List<CheckInView>>, ProblemHttpResult>> List(string memberId, HttpContext context, CheckInDesk desk,
        CancellationToken cancellationToken, int limit = 50) =>
        context.User.MayActFor(memberId)
            ? TypedResults.Ok((await desk.ForMemberAsync(memberId, Math.Clamp(limit, 1, 500), cancellationToken)).Select(CheckInView.From).ToList())
            : Problems.NotYourAccount();

    /// <summary>409 with the check-in standing in the way and the moment a new one is possible, so a page can say so.</summary>
    private static ProblemHttpResult Refused(CheckInRefusal refusal)
    {
        var (type, title, detail) = refusal switch
        {
            CheckInRefusal.AlreadyHere => ("already-checked-in-here", "Already checked in here",
                $"You checked in at {refusal.Existing.ProviderName} at {refusal.Existing.CheckedInAt:O}; one visit counts once."),
            _ => ("checked-in-elsewhere", "Checked in at another provider",
                $"You are checked in at {refusal.Existing.ProviderName} since {refusal.Existing.CheckedInAt:O}; one visit at a time."),
        };
        return TypedResults.Problem(statusCode: 409, title: title, detail: detail, type: $"urn:alle:loyalty:{type}", extensions: new Dictionary<string, object?>
        {
            ["checkInId"] = refusal.Existing.CheckInId,
            ["providerId"] = refusal.Existing.ProviderId,
            ["providerName"] = refusal.Existing.ProviderName,
            ["checkedInAt"] = refusal.Existing.CheckedInAt,
            ["allowedFrom"] = refusal.AllowedFrom,
        });
    }
}

internal sealed record CheckInRequest(string? ProviderId);

/// <param name="Coupon">The flash offer's coupon this check-in put in her wallet, if one ran here for her.</param>
internal sealed record CheckInResponse(string CheckInId, string ProviderId, string ProviderName, Guid? FlashOfferId, DateTimeOffset CheckedInAt, CouponResponse? Coupon)
{
    public static CheckInResponse From(CheckInResult result, IReadOnlyDictionary<string, Provider>? providers) => new(result.CheckIn.CheckInId,
        result.CheckIn.ProviderId, result.CheckIn.ProviderName, result.CheckIn.FlashOfferId, result.CheckIn.CheckedInAt,
        result.Coupon is null ? null : CouponResponse.From(result.Coupon, result.FlashOffer, providers));
}

internal sealed record CheckInView(string CheckInId, string ProviderId, string ProviderName, Guid? FlashOfferId, DateTimeOffset CheckedInAt)
{
    public static CheckInView From(CheckIn checkIn) => new(checkIn.CheckInId, checkIn.ProviderId, checkIn.ProviderName, checkIn.FlashOfferId, checkIn.CheckedInAt);
}
