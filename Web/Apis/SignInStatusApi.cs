using Alle.Web.Authentication;
using Alle.Web.Services.Messaging;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Alle.Web.Apis;

/// <summary>
/// What the sign-in pages ask while she waits — has the code's text arrived, have her texts been turned back on — about
/// the phone in her encrypted sign-in cookie only. Outside the sign-in pages' rate limit: these reads change nothing and
/// guess nothing, and a page asking every few seconds must not use up the attempts meant for codes.
/// </summary>
public static class SignInStatusApi
{
    public static void MapSignInStatusApi(this IEndpointRouteBuilder app)
    {
        var status = app.MapGroup("/sign-in/status").DisableAntiforgery();
        status.MapGet("/delivery", Delivery).WithSummary("Delivery of the sign-in code's text, for the sign-in page");
        status.MapGet("/texts", Texts).WithSummary("Whether the number accepts texts again (after STOP), for the sign-in page");
    }

    private static async Task<Ok<DeliveryStatus>> Delivery(HttpContext context, SignInFlow flow, MessagingService messaging, CancellationToken cancellationToken)
    {
        if (flow.Read(context) is not { VerificationId: { } id })
        {
            return TypedResults.Ok(new DeliveryStatus("unknown", null));
        }
        var delivery = await messaging.GetDeliveryAsync(id, cancellationToken);
        return TypedResults.Ok(new DeliveryStatus(delivery?.Delivery ?? "unknown", delivery?.Reason));
    }

    private static async Task<Ok<TextsStatus>> Texts(HttpContext context, SignInFlow flow, MessagingAdminService consent, CancellationToken cancellationToken)
    {
        if (flow.Read(context) is not { } state)
        {
            return TypedResults.Ok(new TextsStatus(Stopped: true, Expired: true));
        }
        return TypedResults.Ok(new TextsStatus((await consent.GetConsentAsync(state.Phone, cancellationToken)).TextsStopped, Expired: false));
    }

    public sealed record DeliveryStatus(string Delivery, string? Reason);

    public sealed record TextsStatus(bool Stopped, bool Expired);
}
