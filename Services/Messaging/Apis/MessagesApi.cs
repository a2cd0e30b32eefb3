using Alle.Platform.Authorization;
using Alle.Messaging.Consent;
using Alle.Messaging.Log;
using Alle.Messaging.Sending;
using Alle.Platform.Authentication;
using Alle.Platform.Identifiers;
using Alle.Platform.Workers;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Alle.Messaging.Apis;

/// <summary>
/// The message log (by member, phone, journey, status and time, paged by cursor, with segments and estimated cost),
/// members' texts to the program, and direct sends, for operators and services (admin key).
/// </summary>
internal static class MessagesApi
{
    public static void MapMessagesApi(this IEndpointRouteBuilder app)
    {
        var messages = app.MapGroup("/api/messaging/messages").RequirePermission(Permissions.MessagesWrite);
        messages.MapPost("/", Send).WithSummary("Send a text to a member, with consent, quiet hours and frequency caps applied");
        messages.MapGet("/", List).WithSummary("Search the message log, newest first, a page at a time (cursor)");
        messages.MapGet("/totals", Totals).WithSummary("Texts, segments and estimated cost of a message log search");
        messages.MapGet("/inbound", Inbound).WithSummary("Texts members sent to the program (STOP, START, HELP, replies), newest first");
        messages.MapGet("/{id:guid}", Get).WithSummary("One message with its status history");
    }

    private static async Task<Results<Accepted<SendResponse>, Ok<SendResponse>, ValidationProblem>> Send(SendRequest? request, MessageStore store,
        WorkSignal<MessageDispatcher> dispatch, PhoneNumberNormalizer phones, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var to = phones.ToE164(request?.To);
        if (to is null)
        {
            errors["to"] = ["A phone number in E.164 form is required."];
        }
        if (string.IsNullOrWhiteSpace(request?.Body) || request.Body.Length > 1600)
        {
            errors["body"] = ["The body is required and at most 1600 characters (Twilio's limit)."];
        }
        MessageCategory category = MessageCategory.Transactional;
        if (request?.Category is { } named && !(Enum.TryParse(named, ignoreCase: true, out category) && !char.IsAsciiDigit(named.FirstOrDefault())))
        {
            errors["category"] = ["The category is transactional or marketing."];
        }
        if (request?.IdempotencyKey is { Length: > 200 })
        {
            errors["idempotencyKey"] = ["At most 200 characters."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var key = "api:" + (request!.IdempotencyKey ?? Guid.NewGuid().ToString("N"));
        var (id, created) = await store.EnqueueAsync(new OutgoingMessage(key, to!, request.Body!, category, request.UserId, Purpose: "api"), cancellationToken);
        dispatch.Notify();
        var response = new SendResponse(id, MessageStatus.Pending, SmartEncoding.Apply(request.Body!).Count);
        return created ? TypedResults.Accepted($"/api/messaging/messages/{id}", response) : TypedResults.Ok(response);
    }

    private static async Task<Results<Ok<MessageList>, ValidationProblem>> List(MessageLog log, MessagePricing pricing, PhoneNumberNormalizer phones,
        CancellationToken cancellationToken, string? userId = null, string? phone = null, Guid? journeyId = null, string? status = null,
        DateTimeOffset? from = null, DateTimeOffset? to = null, string? cursor = null, int limit = 50, DateTimeOffset? before = null)
    {
        var errors = new Dictionary<string, string[]>();
        var search = ReadSearch(errors, phones, userId, phone, journeyId, status, from, to);
        var position = ReadCursor(errors, cursor, key => Guid.TryParse(key, out _));
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var page = await log.SearchAsync(search, position, before, Math.Clamp(limit, 1, 500), cancellationToken);
        return TypedResults.Ok(new MessageList([.. page.Items.Select(r => MessageView.From(r, null, pricing))], page.Older, page.Newer));
    }

    private static async Task<Results<Ok<MessageTotals>, ValidationProblem>> Totals(MessageLog log, MessagePricing pricing, PhoneNumberNormalizer phones,
        CancellationToken cancellationToken, string? userId = null, string? phone = null, Guid? journeyId = null, string? status = null,
        DateTimeOffset? from = null, DateTimeOffset? to = null)
    {
        var errors = new Dictionary<string, string[]>();
        var search = ReadSearch(errors, phones, userId, phone, journeyId, status, from, to);
        return errors.Count > 0
            ? TypedResults.ValidationProblem(errors)
            : TypedResults.Ok(MessageTotals.From(await log.TallyAsync(search, cancellationToken), pricing));
    }

    private static async Task<Results<Ok<InboundList>, ValidationProblem>> Inbound(MessageLog log, PhoneNumberNormalizer phones, CancellationToken cancellationToken,
        string? userId = null, string? phone = null, DateTimeOffset? from = null, DateTimeOffset? to = null, string? cursor = null, int limit = 50)
    {
        var errors = new Dictionary<string, string[]>();
        var search = ReadSearch(errors, phones, userId, phone, null, null, from, to);
        var position = ReadCursor(errors, cursor, _ => true);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var page = await log.InboundAsync(search.Phone, search.UserId, search.From, search.To, position, Math.Clamp(limit, 1, 500), cancellationToken);
        return TypedResults.Ok(new InboundList([.. page.Items.Select(InboundView.Of)], page.Older, page.Newer));
    }

    /// <summary>The search as stored: the phone in E.164 whichever way it was written; field errors for what cannot be read.</summary>
    private static MessageSearch ReadSearch(Dictionary<string, string[]> errors, PhoneNumberNormalizer phones, string? userId, string? phone, Guid? journeyId,
        string? status, DateTimeOffset? from, DateTimeOffset? to)
    {
        if (status is not null && !MessageStatus.All.Contains(status))
        {
            errors["status"] = [$"One of: {string.Join(", ", MessageStatus.All)}."];
        }
        string? normalizedPhone = null;
        if (!string.IsNullOrWhiteSpace(phone) && (normalizedPhone = phones.ToE164(phone)) is null)
        {
            errors["phone"] = ["Not a phone number."];
        }
        if (from is not null && to is not null && to <= from)
        {
            errors["to"] = ["The end of the time range must be after its start."];
        }
        return new MessageSearch(string.IsNullOrWhiteSpace(userId) ? null : userId.Trim(), normalizedPhone, journeyId, status, from, to);
    }

    private static LogCursor? ReadCursor(Dictionary<string, string[]> errors, string? cursor, Func<string, bool> validKey)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return null;
        }
        if (LogCursor.Decode(cursor) is { } position && validKey(position.Key))
        {
            return position;
        }
        errors["cursor"] = ["Not a cursor from this log: use the older or newer cursor of a page."];
        return null;
    }

    private static async Task<Results<Ok<MessageView>, ProblemHttpResult>> Get(Guid id, MessageStore store, MessagePricing pricing, CancellationToken cancellationToken) =>
        await store.GetAsync(id, cancellationToken) is { } found
            ? TypedResults.Ok(MessageView.From(found.Message, found.History, pricing))
            : TypedResults.Problem(statusCode: 404, title: "Message not found", detail: $"There is no message {id}.");

    internal sealed record SendRequest(string? To, string? Body, string? Category, string? UserId, string? IdempotencyKey);

    internal sealed record SendResponse(Guid Id, string Status, SegmentCount Segments);

    /// <param name="Older">The cursor of the next page of older texts; null on the last page.</param>
    /// <param name="Newer">The cursor of the page of newer texts; null on the first page.</param>
    internal sealed record MessageList(IReadOnlyList<MessageView> Data, string? Older = null, string? Newer = null);

    internal sealed record InboundList(IReadOnlyList<InboundView> Data, string? Older = null, string? Newer = null);

    /// <param name="Keyword">The consent keyword the text was (STOP, START, HELP…), null for any other text.</param>
    internal sealed record InboundView(string Sid, string From, string To, string Body, string? Keyword, string? UserId, DateTimeOffset ReceivedAt)
    {
        public static InboundView Of(InboundRow row) => new(row.MessageSid, row.From, row.To, row.Body, row.Keyword, row.UserId, row.ReceivedAt);
    }

    internal sealed record MessageView(
        Guid Id, string To, string? UserId, string Category, string Purpose, string Body, string Encoding, int Segments, string Status,
        string? SkipReason, DateTimeOffset NotBefore, string? ProviderSid, int? ErrorCode, string? ErrorMessage, Guid? JourneyId,
        DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, IReadOnlyList<MessageStatusEntry>? History, decimal EstimatedCost)
    {
        public static MessageView From(MessageRow row, IReadOnlyList<MessageStatusEntry>? history, MessagePricing pricing) => new(
            row.Id, row.To, row.UserId, ConsentCategory.Of(row.Category), row.Purpose, row.Body, row.Encoding, row.Segments, row.Status,
            row.SkipReason, row.NotBefore, row.ProviderSid, row.ErrorCode, row.ErrorMessage, row.JourneyId, row.CreatedAt, row.UpdatedAt, history,
            pricing.Estimate(row.Encoding, row.Segments, row.Status));
    }
}
