using System.Globalization;
using Alle.Messaging.Consent;
using Alle.Messaging.Verification;
using Alle.Platform.Identifiers;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Alle.Messaging.Apis;

/// <summary>
/// One-time codes (public through the gateway, no key): the portal signs members in with them. Answers are the same
/// for members and strangers.
/// </summary>
internal static class VerifyApi
{
    public static void MapVerifyApi(this IEndpointRouteBuilder app)
    {
        var verify = app.MapGroup("/api/messaging/verify");
        verify.MapPost("/start", Start);
        verify.MapPost("/check", Check);
    }

    private static async Task<Results<Accepted<StartResponse>, ValidationProblem, ProblemHttpResult>> Start(StartRequest? request, HttpResponse response,
        VerificationService verifications, PhoneNumberNormalizer phones, CancellationToken cancellationToken)
    {
        if (phones.ToE164(request?.Phone) is not { } phone)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["phone"] = ["A phone number in E.164 form (+15555550100) is required."] });
        }
        switch (await verifications.StartAsync(phone, cancellationToken))
        {
            case StartResult.TooManySends tooMany:
                response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(tooMany.RetryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                return TypedResults.Problem(statusCode: 429, title: "Too many codes requested",
                    detail: "At most 5 codes per number per hour. Try again later.");
            default:
                return TypedResults.Accepted((string?)null, new StartResponse(VerificationStatus.Pending, "sms", (int)VerificationCode.Lifetime.TotalSeconds));
        }
    }

    private static async Task<Results<Ok<CheckResponse>, ValidationProblem>> Check(CheckRequest? request, VerificationService verifications,
        PhoneNumberNormalizer phones, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var phone = phones.ToE164(request?.Phone);
        if (phone is null)
        {
            errors["phone"] = ["A phone number in E.164 form is required."];
        }
        if (!VerificationCode.IsWellFormed(request?.Code))
        {
            errors["code"] = ["The code is the 6 digits from the text message."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var outcome = await verifications.CheckAsync(phone!, request!.Code!, cancellationToken);
        return TypedResults.Ok(new CheckResponse(outcome.Status, outcome.Valid));
    }

    internal sealed record StartRequest(string? Phone);

    internal sealed record StartResponse(string Status, string Channel, int ExpiresInSeconds);

    internal sealed record CheckRequest(string? Phone, string? Code);

    internal sealed record CheckResponse(string Status, bool Valid);
}
