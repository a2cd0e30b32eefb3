using Alle.Messaging.Consent;
using Alle.Messaging.Sending;
using Alle.Platform.Authentication;
using Alle.Platform.Identifiers;
using Alle.Platform.Workers;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Alle.Messaging.Apis;

/// <summary>The message log (by member, phone, journey, status) and direct sends, for operators and services (admin key).</summary>
internal static class MessagesApi
{
    public static void MapMessagesApi(this IEndpointRouteBuilder app)
    {
        var messages = app.MapGroup("/api/messaging/messages").RequireAuthorization(AdminKeyAuthentication.Policy);
        messages.MapPost("/", Send);
        messages.MapGet("/", List);
        messages.MapGet("/{id:guid}", Get);
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

    private static async Task<Results<Ok<MessageList>, ValidationProblem>> List(MessageStore store, PhoneNumberNormalizer phones, CancellationToken cancellationToken,
        string? userId = null, string? phone = null, Guid? journeyId = null, string? status = null, int limit = 50, DateTimeOffset? before = null)
    {
        if (status is not null && !MessageStatus.All.Contains(status))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["status"] = [$"One of: {string.Join(", ", MessageStatus.All)}."] });
        }
        string? normalizedPhone = null;
        if (phone is not null && (normalizedPhone = phones.ToE164(phone)) is null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["phone"] = ["Not a phone number."] });
        }
        var rows = await store.ListAsync(new MessageQuery(userId, normalizedPhone, journeyId, status, Math.Clamp(limit, 1, 500), before), cancellationToken);
        return TypedResults.Ok(new MessageList([.. rows.Select(r => MessageView.From(r, null))]));
    }

    private static async Task<Results<Ok<MessageView>, ProblemHttpResult>> Get(Guid id, MessageStore store, CancellationToken cancellationToken) =>
        await store.GetAsync(id, cancellationToken) is { } found
            ? TypedResults.Ok(MessageView.From(found.Message, found.History))
            : TypedResults.Problem(statusCode: 404, title: "Message not found", detail: $"There is no message {id}.");

    internal sealed record SendRequest(string? To, string? Body, string? Category, string? UserId, string? IdempotencyKey);

    internal sealed record SendResponse(Guid Id, string Status, SegmentCount Segments);

    internal sealed record MessageList(IReadOnlyList<MessageView> Data);

    internal sealed record MessageView(
        Guid Id, string To, string? UserId, string Category, string Purpose, string Body, string Encoding, int Segments, string Status,
        string? SkipReason, DateTimeOffset NotBefore, string? ProviderSid, int? ErrorCode, string? ErrorMessage, Guid? JourneyId,
        DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, IReadOnlyList<MessageStatusEntry>? History)
    {
        public static MessageView From(MessageRow row, IReadOnlyList<MessageStatusEntry>? history) => new(
            row.Id, row.To, row.UserId, ConsentCategory.Of(row.Category), row.Purpose, row.Body, row.Encoding, row.Segments, row.Status,
            row.SkipReason, row.NotBefore, row.ProviderSid, row.ErrorCode, row.ErrorMessage, row.JourneyId, row.CreatedAt, row.UpdatedAt, history);
    }
}
