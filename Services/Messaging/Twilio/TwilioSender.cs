using System.Net;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Twilio.Clients;
using Twilio.Exceptions;
using Twilio.Http;
using Twilio.Rest.Api.V2010.Account;
using Twilio.Types;

namespace Alle.Messaging.Twilio;

/// <summary>The result of asking Twilio to send one message.</summary>
internal abstract record TwilioSendResult
{
    /// <summary>Twilio created the message (status queued or accepted).</summary>
    public sealed record Accepted(string Sid, string Status) : TwilioSendResult;

    /// <summary>Twilio refused the message with an error object: it was not created and will not be.</summary>
    public sealed record Rejected(int Code, string Message, TwilioOutcome Outcome) : TwilioSendResult;

    /// <summary>Twilio stayed busy (429/5xx) through every retry, or could not be reached: the message was not created and may be tried later.</summary>
    public sealed record Unavailable(int StatusCode) : TwilioSendResult;

    /// <summary>The request may or may not have reached Twilio (connection lost, time-out): never send it again blindly.</summary>
    public sealed record Unknown(string Reason) : TwilioSendResult;
}

/// <summary>
/// Sends one message through Twilio's SDK (<see cref="MessageResource.CreateAsync(CreateMessageOptions, ITwilioRestClient)"/>)
/// over the factory's <see cref="System.Net.Http.HttpClient"/>, whose handlers point it at <c>Twilio:BaseUrl</c>
/// (<see cref="TwilioBaseUrlHandler"/>) and retry 429/5xx (<see cref="TwilioRetryHandler"/>), and turns what the SDK
/// returns or throws into a <see cref="TwilioSendResult"/>. The sender's throughput is <see cref="SenderThrottle"/>'s,
/// which the caller waits for before it marks a message as being sent.
/// </summary>
internal sealed class TwilioSender(System.Net.Http.HttpClient http, IOptions<TwilioOptions> options)
{
    public async Task<TwilioSendResult> SendAsync(string to, string body, Uri statusCallback, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var message = new CreateMessageOptions(new PhoneNumber(to)) { Body = body, StatusCallback = statusCallback };
        if (settings.MessagingServiceSid is { Length: > 0 } service)
        {
            message.MessagingServiceSid = service;
        }
        else
        {
            message.From = new PhoneNumber(settings.From ?? throw new InvalidOperationException("Set Twilio:From or Twilio:MessagingServiceSid."));
        }

        // One SDK client per send, so its LastResponse is this request's answer and no other's.
        var transport = new SystemNetHttpClient(http);
        var client = new TwilioRestClient(settings.AccountSid, settings.AuthToken, httpClient: transport);
        try
        {
            // The SDK takes no cancellation token: on shutdown we stop waiting and the message stays `sending`,
            // for the status callback to settle, exactly as when a request is cut off.
            var created = await MessageResource.CreateAsync(message, client: client).WaitAsync(cancellationToken);
            return created.Sid is { Length: > 0 } sid
                ? new TwilioSendResult.Accepted(sid, created.Status?.ToString() ?? "")
                : new TwilioSendResult.Unknown("no message sid");
        }
        catch (ApiConnectionException exception)
        {
            return exception.InnerException switch
            {
                // Refused before anything was sent: Twilio never saw it.
                HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } => new TwilioSendResult.Unavailable(0),
                HttpRequestException failure => new TwilioSendResult.Unknown(failure.HttpRequestError.ToString()),
                // HttpClient.Timeout: the SDK passes no token of ours, so a cancellation here is the time-out.
                OperationCanceledException => new TwilioSendResult.Unknown("timeout"),
                { } other => new TwilioSendResult.Unknown(other.GetType().Name),
                null => new TwilioSendResult.Unknown("no response"),
            };
        }
        catch (ApiException exception)
        {
            // Status is 0 when the SDK could not read an error object (an empty 503, an HTML page, a 201 it could not
            // parse): the HTTP status is then the response's.
            var status = exception.Status is > 0 ? exception.Status : (int?)transport.LastResponse?.StatusCode ?? 0;
            return FromAnswer(status, exception.Code, exception.Status is > 0 ? exception.Message : null);
        }
        catch (ApiStandardException exception)
        {
            return FromAnswer(exception.Status, exception.Code, exception.Message);
        }
    }

    private static TwilioSendResult FromAnswer(int status, int code, string? message) => status switch
    {
        >= 200 and < 400 => new TwilioSendResult.Unknown("unreadable response"),
        (int)HttpStatusCode.TooManyRequests or >= 500 => new TwilioSendResult.Unavailable(status),
        _ => new TwilioSendResult.Rejected(code, message ?? ReasonPhrases.GetReasonPhrase(status), TwilioErrors.Classify(code)),
    };
}
