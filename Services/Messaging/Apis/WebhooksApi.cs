using System.Diagnostics.CodeAnalysis;
using System.Security;
using Alle.Messaging.Consent;
using Alle.Messaging.Inbound;
using Alle.Messaging.Sending;
using Alle.Messaging.Twilio;
using Alle.Platform.Identifiers;
using Alle.Platform.Outbox;
using Alle.Platform.Workers;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;
using Twilio.Security;

namespace Alle.Messaging.Apis;

/// <summary>
/// Twilio's webhooks: delivery status callbacks and inbound messages. Both verify <c>X-Twilio-Signature</c> against the
/// URL as Twilio called it — behind the gateway, its forwarded scheme and host — and answer 403 otherwise. Both are
/// idempotent: a repeated callback changes nothing, a repeated inbound message gets no second reply.
/// </summary>
internal static class WebhooksApi
{
    private const long MaxFormBytes = 64 * 1024;

    public static void MapWebhooksApi(this IEndpointRouteBuilder app)
    {
        var webhooks = app.MapGroup("/webhooks/twilio").DisableAntiforgery();
        webhooks.MapPost("/status", Status);
        webhooks.MapPost("/inbound", Inbound);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Status(HttpRequest request, NpgsqlDataSource dataSource, MessageStore messages,
        WorkSignal<OutboxRelay> outboxSignal, IOptions<TwilioOptions> twilio, TimeProvider clock, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var (form, problem) = await ReadSignedFormAsync(request, twilio.Value.AuthToken, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var fields = form!;
        var sid = fields.GetValueOrDefault("MessageSid") ?? fields.GetValueOrDefault("SmsSid");
        var status = MessageStatus.FromTwilio(fields.GetValueOrDefault("MessageStatus") ?? fields.GetValueOrDefault("SmsStatus"));
        int? errorCode = int.TryParse(fields.GetValueOrDefault("ErrorCode"), out var code) && code != 0 ? code : null;
        if (!IsSid(sid))
        {
            return TypedResults.Problem(statusCode: 400, title: "MessageSid is missing or malformed", detail: "Twilio's message ids are letters and digits.");
        }

        Guid? id = Guid.TryParseExact(request.Query["m"], "N", out var fromUrl) ? fromUrl : await messages.FindBySidAsync(sid, cancellationToken);
        if (id is null)
        {
            // Not ours (or deleted since): acknowledge so Twilio does not keep calling.
            return TypedResults.NoContent();
        }
        if (status is null)
        {
            return TypedResults.NoContent();
        }

        var now = clock.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var moved = await MessageStore.TransitionAsync(connection, transaction, id.Value, status, now, cancellationToken,
            providerSid: sid, errorCode: errorCode, errorMessage: errorCode is { } failure ? TwilioErrors.Classify(failure).ToString() : null);
        if (moved is not null && TwilioErrors.MeansOptedOut(errorCode))
        {
            await ConsentStore.ApplyAsync(connection, transaction, MessageDispatcher.CarrierOptOut(moved.To, now, errorCode!.Value), cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        outboxSignal.Notify();
        if (moved is not null)
        {
            loggers.CreateLogger(typeof(WebhooksApi)).LogInformation("Message {MessageId} is {Status} ({Sid})", id, status, sid);
        }
        return TypedResults.NoContent();
    }

    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> Inbound(HttpRequest request, InboundMessageHandler handler,
        IOptions<TwilioOptions> twilio, PhoneNumberNormalizer phones, CancellationToken cancellationToken)
    {
        var (form, problem) = await ReadSignedFormAsync(request, twilio.Value.AuthToken, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var fields = form!;
        // The reader skips characters it does not expect in a number; a control character means the field is not one.
        var from = fields.GetValueOrDefault("From") is { } sender && !sender.Any(char.IsControl) ? phones.ToE164(sender) : null;
        var sid = fields.GetValueOrDefault("MessageSid") ?? fields.GetValueOrDefault("SmsMessageSid");
        if (from is null || !IsSid(sid))
        {
            return TypedResults.Problem(statusCode: 400, title: "From and MessageSid are required",
                detail: "From is the sender's phone number and MessageSid Twilio's message id (letters and digits).");
        }

        var reply = await handler.HandleAsync(new InboundMessage(sid, from, fields.GetValueOrDefault("To") ?? "", fields.GetValueOrDefault("Body") ?? ""), cancellationToken);
        var twiml = reply is null
            ? "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>"
            : $"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Message>{SecurityElement.Escape(reply)}</Message></Response>";
        return TypedResults.Content(twiml, "text/xml");
    }

    private static async Task<(Dictionary<string, string>? Form, ProblemHttpResult? Problem)> ReadSignedFormAsync(HttpRequest request, string authToken,
        CancellationToken cancellationToken)
    {
        if (!request.HasFormContentType)
        {
            return (null, TypedResults.Problem(statusCode: 415, title: "Expected application/x-www-form-urlencoded"));
        }
        if (request.ContentLength > MaxFormBytes)
        {
            return (null, TypedResults.Problem(statusCode: 413, title: "Webhook body too large"));
        }
        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(cancellationToken);
        }
        catch (InvalidDataException)
        {
            return (null, TypedResults.Problem(statusCode: 400, title: "Malformed form body"));
        }

        var fields = form.ToDictionary(f => f.Key, f => f.Value.ToString(), StringComparer.Ordinal);
        if (!IsSignedByTwilio(authToken, CalledUrl(request), fields, request.Headers["X-Twilio-Signature"]))
        {
            return (null, TypedResults.Problem(statusCode: 403, title: "Invalid Twilio signature",
                detail: "X-Twilio-Signature does not match the request URL and parameters."));
        }
        return (fields, null);
    }

    /// <summary>Twilio's ids are letters and digits (<c>SM</c> and 32 hex digits); anything else did not come from Twilio.</summary>
    internal static bool IsSid([NotNullWhen(true)] string? sid) => sid is { Length: > 0 and <= 64 } && sid.All(char.IsAsciiLetterOrDigit);

    /// <summary>
    /// The URL as Twilio called it (behind the gateway, its forwarded scheme and host) with a default port left off: the
    /// SDK's validator also tries a URL with the default port added, but from one that has it never tries one without.
    /// </summary>
    internal static string CalledUrl(HttpRequest request)
    {
        var host = request.Host.Port == (request.IsHttps ? 443 : 80) ? new HostString(request.Host.Host) : request.Host;
        return $"{request.Scheme}://{host}{request.PathBase}{request.Path}{request.QueryString}";
    }

    /// <summary>
    /// Twilio's <see cref="RequestValidator"/> with the auth token (HMAC-SHA1). A URL it cannot take apart is refused
    /// like a wrong signature, not answered with 500.
    /// </summary>
    internal static bool IsSignedByTwilio(string authToken, string url, IDictionary<string, string> fields, string? signature)
    {
        if (string.IsNullOrEmpty(signature))
        {
            return false;
        }
        try
        {
            return new RequestValidator(authToken).Validate(url, fields, signature);
        }
        catch (Exception exception) when (exception is UriFormatException or ArgumentException)
        {
            return false;
        }
    }
}
