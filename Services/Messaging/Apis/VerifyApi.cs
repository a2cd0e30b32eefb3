using System.Globalization;
using Alle.Messaging.Consent;
using Alle.Messaging.Sending;
using Alle.Messaging.Twilio;
using Alle.Messaging.Verification;
using Alle.Platform.Identifiers;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Alle.Messaging.Apis;

/// <summary>
/// One-time codes (public through the gateway, no key): the portal signs members in with them. Answers are the same
/// for members and strangers; a number whose texts are stopped is told so (with the number to text START to), as
/// Twilio Verify refuses one, and what became of a code's text can be read back by its verification id.
/// </summary>
internal static class VerifyApi
{
    public static void MapVerifyApi(this IEndpointRouteBuilder app)
    {
        var verify = app.MapGroup("/api/messaging/verify");
        verify.MapPost("/start", Start).WithSummary("Send a one-time sign-in code by SMS (as Twilio Verify)");
        verify.MapPost("/check", Check).WithSummary("Check a one-time code");
        verify.MapGet("/{id:guid}", Delivery).WithSummary("Delivery status of a one-time code's text");
    }

    private static async Task<Results<Accepted<StartResponse>, ValidationProblem, ProblemHttpResult>> Start(StartRequest? request, HttpResponse response,
        VerificationService verifications, PhoneNumberNormalizer phones, ConsentStore consent, IOptions<TwilioOptions> twilio, CancellationToken cancellationToken)
    {
        if (phones.ToE164(request?.Phone) is not { } phone)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["phone"] = ["A phone number in E.164 form (+15555550100) is required."] });
        }
        if (CodeDelivery.Stopped(await consent.GetStateAsync(phone, cancellationToken)))
        {
            return TypedResults.Problem(statusCode: 409, title: "Texts to this number are stopped", type: "urn:alle:messaging:opted-out",
                detail: "This number opted out of texts. Text START to the program's number to receive codes again.",
                extensions: new Dictionary<string, object?> { ["programNumber"] = twilio.Value.From });
        }
        switch (await verifications.StartAsync(phone, cancellationToken))
        {
            case StartResult.TooManySends tooMany:
                response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(tooMany.RetryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                return TypedResults.Problem(statusCode: 429, title: "Too many codes requested",
                    detail: "At most 5 codes per number per hour. Try again later.");
            case StartResult.Started started:
                return TypedResults.Accepted($"/api/messaging/verify/{started.VerificationId}",
                    new StartResponse(VerificationStatus.Pending, "sms", (int)VerificationCode.Lifetime.TotalSeconds, started.VerificationId));
            default:
                throw new InvalidOperationException("Unknown start result.");
        }
    }

    /// <summary>What became of the code's text; the id is as unguessable as the code is short-lived, and says nothing of the code.</summary>
    private static async Task<Results<Ok<DeliveryResponse>, NotFound>> Delivery(Guid id, MessageStore messages, IOptions<TwilioOptions> twilio,
        CancellationToken cancellationToken)
    {
        if (await messages.FindByKeyAsync($"verify:{id:N}", cancellationToken) is not { } message)
        {
            return TypedResults.NotFound();
        }
        var (delivery, reason) = CodeDelivery.Of(message.Status, message.SkipReason, message.ErrorCode);
        return TypedResults.Ok(new DeliveryResponse(id, delivery, reason, reason == CodeDelivery.OptedOut ? twilio.Value.From : null));
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

    internal sealed record StartResponse(string Status, string Channel, int ExpiresInSeconds, Guid Sid);

    /// <param name="Delivery">sending, delivered or failed.</param>
    /// <param name="Reason">Why it failed: opted_out, unroutable, not_mobile, invalid_number, undelivered.</param>
    internal sealed record DeliveryResponse(Guid Sid, string Delivery, string? Reason, string? ProgramNumber);

    internal sealed record CheckRequest(string? Phone, string? Code);

    internal sealed record CheckResponse(string Status, bool Valid);
}
