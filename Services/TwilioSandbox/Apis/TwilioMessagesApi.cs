using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using Alle.TwilioSandbox.Delivery;
using Alle.TwilioSandbox.Extensions;
using Alle.TwilioSandbox.Phones;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Alle.TwilioSandbox.Apis;

/// <summary>
/// Twilio's Messages API: <c>POST /2010-04-01/Accounts/{AccountSid}/Messages.json</c> (form-encoded To, From or
/// MessagingServiceSid, Body, StatusCallback), fetch and list — with HTTP Basic (AccountSid, AuthToken), Twilio's
/// resource JSON and error objects.
/// </summary>
internal static class TwilioMessagesApi
{
    public static void MapTwilioMessagesApi(this IEndpointRouteBuilder app)
    {
        var messages = app.MapGroup("/2010-04-01/Accounts/{accountSid}").DisableAntiforgery();
        messages.MapPost("/Messages.json", Create);
        messages.MapGet("/Messages/{sid}.json", Fetch);
        messages.MapGet("/Messages.json", List);
    }

    private static async Task<Results<Created<MessageResource>, JsonHttpResult<TwilioErrorBody>>> Create(string accountSid, HttpRequest request,
        MessageBook book, DeliverySimulator delivery, IOptions<SandboxOptions> options, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (Authenticate(request, accountSid, options.Value) is { } denied)
        {
            return denied;
        }
        if (!request.HasFormContentType)
        {
            return Error(new TwilioRefusal(20001, "Expected application/x-www-form-urlencoded parameters."));
        }
        var form = await request.ReadFormAsync(cancellationToken);
        string to = form["To"].ToString().Trim(), from = form["From"].ToString().Trim(), body = form["Body"].ToString();
        string? service = form["MessagingServiceSid"].ToString() is { Length: > 0 } s ? s : null;
        string? callback = form["StatusCallback"].ToString() is { Length: > 0 } c ? c : null;

        var refusal = to.Length == 0 ? new TwilioRefusal(21604, "A 'To' phone number is required.")
            : from.Length == 0 && service is null ? new TwilioRefusal(21603, "A 'From' phone number is required.")
            : body.Length == 0 ? new TwilioRefusal(21602, "Message body is required.")
            : body.Length > 1600 ? new TwilioRefusal(21617, "The concatenated message body exceeds the 1600 character limit.")
            : callback is not null && !Uri.TryCreate(callback, UriKind.Absolute, out _) ? new TwilioRefusal(21609, "Invalid StatusCallback URL.")
            : (from.Length > 0 ? MagicNumbers.CheckFrom(from) : null)
              ?? MagicNumbers.CheckTo(to)
              ?? (!MagicNumbers.IsE164(to) ? new TwilioRefusal(21211, $"The 'To' number {to} is not a valid phone number.") : null)
              ?? (book.IsOptedOut(to) ? new TwilioRefusal(21610, "Attempt to send to unsubscribed recipient") : null);
        if (refusal is not null)
        {
            return Error(refusal);
        }

        var now = clock.GetUtcNow();
        var message = new SandboxMessage(SandboxMessage.NewSid(), accountSid, from.Length > 0 ? from : options.Value.DefaultNumber, to, body,
            SandboxMessage.OutboundApi, service is null ? "queued" : "accepted", null, null, SandboxMessage.CountSegments(body), callback, service, now, null, now);
        book.Add(message);
        delivery.Enqueue(message.Sid);
        return TypedResults.Created($"/2010-04-01/Accounts/{accountSid}/Messages/{message.Sid}.json", MessageResource.Of(message));
    }

    private static Results<Ok<MessageResource>, JsonHttpResult<TwilioErrorBody>> Fetch(string accountSid, string sid, HttpRequest request, MessageBook book,
        IOptions<SandboxOptions> options)
    {
        if (Authenticate(request, accountSid, options.Value) is { } denied)
        {
            return denied;
        }
        return book.Find(sid) is { } message && message.AccountSid == accountSid
            ? TypedResults.Ok(MessageResource.Of(message))
            : Error(new TwilioRefusal(20404, $"The requested resource /2010-04-01/Accounts/{accountSid}/Messages/{sid}.json was not found", 404));
    }

    private static Results<Ok<MessageList>, JsonHttpResult<TwilioErrorBody>> List(string accountSid, HttpRequest request, MessageBook book,
        IOptions<SandboxOptions> options, string? To = null, string? From = null, int PageSize = 50)
    {
        if (Authenticate(request, accountSid, options.Value) is { } denied)
        {
            return denied;
        }
        var messages = book.List(To, From, Math.Clamp(PageSize, 1, 1000)).Where(m => m.AccountSid == accountSid).Select(MessageResource.Of).ToList();
        return TypedResults.Ok(new MessageList(messages, 0, messages.Count, $"/2010-04-01/Accounts/{accountSid}/Messages.json"));
    }

    /// <summary>Twilio's 401 (error 20003) unless Basic credentials name this account and its token.</summary>
    private static JsonHttpResult<TwilioErrorBody>? Authenticate(HttpRequest request, string accountSid, SandboxOptions options)
    {
        var header = request.Headers.Authorization.ToString();
        string? user = null, password = null;
        if (header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim())).Split(':', 2);
                (user, password) = (decoded[0], decoded.Length > 1 ? decoded[1] : "");
            }
            catch (FormatException)
            {
            }
        }
        var valid = user == options.AccountSid && password is not null
            && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(password)), SHA256.HashData(Encoding.UTF8.GetBytes(options.AuthToken)));
        if (!valid)
        {
            request.HttpContext.Response.Headers.WWWAuthenticate = "Basic realm=\"Twilio API\"";
            return Error(new TwilioRefusal(20003, "Authenticate", 401));
        }
        return accountSid == options.AccountSid ? null : Error(new TwilioRefusal(20404, "The requested resource was not found", 404));
    }

    private static JsonHttpResult<TwilioErrorBody> Error(TwilioRefusal refusal) => TypedResults.Json(
        new TwilioErrorBody(refusal.Code, refusal.Message, $"https://www.twilio.com/docs/errors/{refusal.Code}", refusal.Status), statusCode: refusal.Status);

    internal sealed record TwilioErrorBody(
        [property: JsonPropertyName("code")] int Code,
        [property: JsonPropertyName("message")] string Message,
        [property: JsonPropertyName("more_info")] string MoreInfo,
        [property: JsonPropertyName("status")] int Status);

    internal sealed record MessageList(
        [property: JsonPropertyName("messages")] IReadOnlyList<MessageResource> Messages,
        [property: JsonPropertyName("page")] int Page,
        [property: JsonPropertyName("page_size")] int PageSize,
        [property: JsonPropertyName("uri")] string Uri);

    /// <summary>Twilio's Message resource, field for field (dates in RFC 2822, counts as strings).</summary>
    internal sealed record MessageResource(
        [property: JsonPropertyName("account_sid")] string AccountSid,
        [property: JsonPropertyName("api_version")] string ApiVersion,
        [property: JsonPropertyName("body")] string Body,
        [property: JsonPropertyName("date_created")] string DateCreated,
        [property: JsonPropertyName("date_sent")] string? DateSent,
        [property: JsonPropertyName("date_updated")] string DateUpdated,
        [property: JsonPropertyName("direction")] string Direction,
        [property: JsonPropertyName("error_code")] int? ErrorCode,
        [property: JsonPropertyName("error_message")] string? ErrorMessage,
        [property: JsonPropertyName("from")] string From,
        [property: JsonPropertyName("messaging_service_sid")] string? MessagingServiceSid,
        [property: JsonPropertyName("num_media")] string NumMedia,
        [property: JsonPropertyName("num_segments")] string NumSegments,
        [property: JsonPropertyName("price")] string? Price,
        [property: JsonPropertyName("price_unit")] string PriceUnit,
        [property: JsonPropertyName("sid")] string Sid,
        [property: JsonPropertyName("status")] string Status,
        [property: JsonPropertyName("subresource_uris")] IReadOnlyDictionary<string, string> SubresourceUris,
        [property: JsonPropertyName("to")] string To,
        [property: JsonPropertyName("uri")] string Uri)
    {
        public static MessageResource Of(SandboxMessage m) => new(
            m.AccountSid, "2010-04-01", m.Body, Rfc2822(m.DateCreated), m.DateSent is { } sent ? Rfc2822(sent) : null, Rfc2822(m.DateUpdated),
            m.Direction, m.ErrorCode, m.ErrorMessage, m.From, m.MessagingServiceSid, "0",
            m.NumSegments.ToString(CultureInfo.InvariantCulture), null, "USD", m.Sid, m.Status,
            new Dictionary<string, string> { ["media"] = $"/2010-04-01/Accounts/{m.AccountSid}/Messages/{m.Sid}/Media.json" },
            m.To, $"/2010-04-01/Accounts/{m.AccountSid}/Messages/{m.Sid}.json");

        private static string Rfc2822(DateTimeOffset at) => at.ToUniversalTime().ToString("ddd, dd MMM yyyy HH:mm:ss '+0000'", CultureInfo.InvariantCulture);
    }
}
