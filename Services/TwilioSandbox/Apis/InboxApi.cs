using System.Reflection;
using System.Xml.Linq;
using Alle.TwilioSandbox.Delivery;
using Alle.TwilioSandbox.Extensions;
using Alle.TwilioSandbox.Phones;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Alle.TwilioSandbox.Apis;

/// <summary>
/// The phone inbox: every message sent to or from a number (web page and JSON), and replying from a number — which
/// applies Twilio's opt-out keywords, posts a signed inbound-message webhook to the messaging service, and delivers
/// the TwiML reply it answers with.
/// </summary>
internal static class InboxApi
{
    private static readonly string s_page = ReadPage();

    public static void MapInboxApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", () => TypedResults.Redirect("/inbox"));
        app.MapGet("/inbox", () => TypedResults.Content(s_page, "text/html; charset=utf-8"));
        app.MapGet("/inbox/{phone}", (string phone) => TypedResults.Content(s_page, "text/html; charset=utf-8"));

        var api = app.MapGroup("/api/inbox").DisableAntiforgery();
        api.MapGet("/", Phones);
        api.MapGet("/{phone}", Messages);
        api.MapPost("/{phone}/reply", Reply);
    }

    private static Ok<PhoneList> Phones(MessageBook book) =>
        TypedResults.Ok(new PhoneList([.. book.Phones().Select(p => new PhoneSummary(p.Phone, p.Count, p.Last, book.IsOptedOut(p.Phone)))]));

    private static Results<Ok<Inbox>, ProblemHttpResult> Messages(string phone, MessageBook book, int limit = 200)
    {
        if (Normalize(phone) is not { } number)
        {
            return TypedResults.Problem(statusCode: 400, title: "Not an E.164 phone number");
        }
        return TypedResults.Ok(new Inbox(number, book.IsOptedOut(number), [.. book.ForPhone(number, Math.Clamp(limit, 1, 1000)).Select(InboxMessage.Of)]));
    }

    private static async Task<Results<Ok<ReplyResult>, ProblemHttpResult>> Reply(string phone, ReplyRequest? request, MessageBook book, WebhookClient webhooks,
        IOptions<SandboxOptions> options, TimeProvider clock, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (Normalize(phone) is not { } from)
        {
            return TypedResults.Problem(statusCode: 400, title: "Not an E.164 phone number");
        }
        if (string.IsNullOrEmpty(request?.Body) || request.Body.Length > 1600)
        {
            return TypedResults.Problem(statusCode: 400, title: "A body of 1 to 1600 characters is required");
        }
        var to = Normalize(request.To)
            ?? book.ForPhone(from).FirstOrDefault(m => m.To == from)?.From
            ?? options.Value.DefaultNumber;

        var now = clock.GetUtcNow();
        var inbound = new SandboxMessage(SandboxMessage.NewSid(), options.Value.AccountSid, from, to, request.Body, SandboxMessage.Inbound, "received",
            null, null, SandboxMessage.CountSegments(request.Body), null, null, now, now, now);
        book.Add(inbound);
        if (OptOutKeywords.OptsOut(request.Body) is { } optsOut)
        {
            book.SetOptedOut(from, optsOut);
        }

        if (string.IsNullOrEmpty(options.Value.InboundWebhookUrl))
        {
            return TypedResults.Ok(new ReplyResult(inbound.Sid, null, []));
        }
        var parameters = new List<KeyValuePair<string, string>>
        {
            new("AccountSid", inbound.AccountSid),
            new("ApiVersion", "2010-04-01"),
            new("Body", inbound.Body),
            new("From", from),
            new("MessageSid", inbound.Sid),
            new("NumMedia", "0"),
            new("NumSegments", inbound.NumSegments.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("SmsMessageSid", inbound.Sid),
            new("SmsSid", inbound.Sid),
            new("SmsStatus", "received"),
            new("To", to),
        };
        int status;
        string twiml;
        try
        {
            (status, twiml) = await webhooks.PostAsync(options.Value.InboundWebhookUrl, parameters, cancellationToken);
        }
        catch (HttpRequestException exception)
        {
            loggers.CreateLogger(typeof(InboxApi)).LogWarning("Inbound webhook for {Sid} failed: {Error}", inbound.Sid, exception.Message);
            return TypedResults.Ok(new ReplyResult(inbound.Sid, null, []));
        }

        var replies = new List<InboxMessage>();
        if (status is >= 200 and < 300)
        {
            foreach (var text in ReadTwimlMessages(twiml))
            {
                var reply = new SandboxMessage(SandboxMessage.NewSid(), inbound.AccountSid, to, from, text, SandboxMessage.OutboundReply, "delivered",
                    null, null, SandboxMessage.CountSegments(text), null, null, clock.GetUtcNow(), clock.GetUtcNow(), clock.GetUtcNow());
                book.Add(reply);
                replies.Add(InboxMessage.Of(reply));
            }
        }
        return TypedResults.Ok(new ReplyResult(inbound.Sid, status, replies));
    }

    /// <summary>The texts of a TwiML response's &lt;Message&gt; verbs (with or without a nested &lt;Body&gt;).</summary>
    internal static IReadOnlyList<string> ReadTwimlMessages(string twiml)
    {
        try
        {
            var document = XDocument.Parse(twiml);
            return [.. document.Root?.Elements("Message").Select(m => (m.Element("Body")?.Value ?? m.Value).Trim()).Where(t => t.Length > 0) ?? []];
        }
        catch (System.Xml.XmlException)
        {
            return [];
        }
    }

    /// <summary>A number from a URL: "+15555550100", "15555550100" or "%2B15555550100".</summary>
    private static string? Normalize(string? phone)
    {
        if (string.IsNullOrWhiteSpace(phone))
        {
            return null;
        }
        var trimmed = Uri.UnescapeDataString(phone).Trim().Replace(" ", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal);
        var e164 = trimmed.StartsWith('+') ? trimmed : "+" + trimmed;
        return MagicNumbers.IsE164(e164) ? e164 : null;
    }

    private static string ReadPage()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Alle.TwilioSandbox.Inbox.inbox.html")!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    internal sealed record ReplyRequest(string? Body, string? To);

    internal sealed record ReplyResult(string Sid, int? WebhookStatus, IReadOnlyList<InboxMessage> Replies);

    internal sealed record PhoneList(IReadOnlyList<PhoneSummary> Phones);

    internal sealed record PhoneSummary(string Phone, int Messages, DateTimeOffset LastActivity, bool OptedOut);

    internal sealed record Inbox(string Phone, bool OptedOut, IReadOnlyList<InboxMessage> Messages);

    internal sealed record InboxMessage(string Sid, string Direction, string From, string To, string Body, string Status, int? ErrorCode, int NumSegments,
        DateTimeOffset DateCreated, DateTimeOffset DateUpdated)
    {
        public static InboxMessage Of(SandboxMessage m) =>
            new(m.Sid, m.Direction, m.From, m.To, m.Body, m.Status, m.ErrorCode, m.NumSegments, m.DateCreated, m.DateUpdated);
    }
}
