using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using RabbitMQ.Client;

namespace Alle.Platform.DeadLetters;

/// <summary>
/// A dead-lettered message as an operator sees it: what it is, when and why it failed (MassTransit's <c>MT-Fault-*</c>
/// headers), the endpoint it failed on and where it was first sent. <see cref="Body"/> (or <see cref="BodyText"/> when
/// the body is not JSON) and <see cref="StackTrace"/> are filled only when a message is read in full, with phone numbers
/// and e-mail addresses masked.
/// </summary>
public sealed record DeadLetterMessage(
    string? MessageId,
    string? MessageType,
    string? Reason,
    DateTimeOffset? FailedAt,
    string? ExceptionType,
    string? ExceptionMessage,
    string? ConsumerType,
    int? RetryCount,
    string? InputAddress,
    string? DestinationAddress,
    DateTimeOffset? SentAt,
    int BodyBytes)
{
    public const string FaultHeaderPrefix = "MT-Fault-";
    public const string ReasonHeader = "MT-Reason";

    private const int MaxExceptionMessage = 2_000;
    private const int MaxStackTrace = 8_000;
    private const int MaxBodyText = 4_000;
    private const int MaxBodyBytes = 256 * 1024;

    public string? StackTrace { get; init; }

    public JsonNode? Body { get; init; }

    public string? BodyText { get; init; }

    /// <summary>The message id as MassTransit writes it (a GUID), when it has one.</summary>
    [JsonIgnore]
    public Guid? Id => Guid.TryParse(MessageId, out var id) ? id : null;

    public static DeadLetterMessage Read(IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body, bool full = false)
    {
        var headers = properties.Headers;
        using var envelope = ParseJson(body);
        var root = envelope?.RootElement;
        var isEnvelope = root is { ValueKind: JsonValueKind.Object } r && r.TryGetProperty("messageType", out _) && r.TryGetProperty("message", out _);

        var message = new DeadLetterMessage(
            MessageId: properties.MessageId ?? (isEnvelope ? Text(root, "messageId") : null) ?? AmqpHeaders.Text(headers, "MessageId"),
            MessageType: ShortType((isEnvelope ? FirstType(root!.Value) : null) ?? AmqpHeaders.Text(headers, "MT-MessageType") ?? AmqpHeaders.Text(headers, "MT-Fault-MessageType")),
            Reason: AmqpHeaders.Text(headers, ReasonHeader),
            FailedAt: AmqpHeaders.Time(headers, "MT-Fault-Timestamp"),
            ExceptionType: AmqpHeaders.Text(headers, "MT-Fault-ExceptionType"),
            ExceptionMessage: Truncate(AmqpHeaders.Text(headers, "MT-Fault-Message") is { } fault ? PersonalDataMask.Mask(fault) : null, MaxExceptionMessage),
            ConsumerType: AmqpHeaders.Text(headers, "MT-Fault-ConsumerType"),
            RetryCount: AmqpHeaders.Number(headers, "MT-Fault-RetryCount"),
            InputAddress: AmqpHeaders.Text(headers, "MT-Fault-InputAddress"),
            DestinationAddress: isEnvelope ? Text(root, "destinationAddress") : null,
            SentAt: isEnvelope ? AmqpHeaders.ParseTime(Text(root, "sentTime")) : null,
            BodyBytes: body.Length);
        if (!full)
        {
            return message;
        }

        return message with
        {
            StackTrace = Truncate(AmqpHeaders.Text(headers, "MT-Fault-StackTrace"), MaxStackTrace),
            Body = root is { } json && body.Length <= MaxBodyBytes
                ? PersonalDataMask.Mask(JsonNode.Parse((isEnvelope ? json.GetProperty("message") : json).GetRawText()))
                : null,
            BodyText = root is null && body.Length > 0
                ? Truncate(PersonalDataMask.Mask(Encoding.UTF8.GetString(body.Span[..Math.Min(body.Length, MaxBodyText * 4)])), MaxBodyText)
                : null,
        };
    }

    /// <summary><c>urn:message:Alle.Contracts:MemberEnrolled</c> → <c>Alle.Contracts:MemberEnrolled</c>.</summary>
    public static string? ShortType(string? messageType) =>
        messageType?.StartsWith("urn:message:", StringComparison.Ordinal) == true ? messageType["urn:message:".Length..] : messageType;

    private static JsonDocument? ParseJson(ReadOnlyMemory<byte> body)
    {
        var start = body.Span.TrimStart(" \t\r\n"u8);
        if (start.IsEmpty || start[0] is not ((byte)'{' or (byte)'['))
        {
            return null;
        }
        try
        {
            return JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Text(JsonElement? element, string name) =>
        element is { ValueKind: JsonValueKind.Object } obj && obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    private static string? FirstType(JsonElement envelope) =>
        envelope.GetProperty("messageType") is { ValueKind: JsonValueKind.Array } types && types.GetArrayLength() > 0 && types[0].ValueKind == JsonValueKind.String
            ? types[0].GetString()
            : null;

    private static string? Truncate(string? text, int length) => text is { Length: var n } && n > length ? string.Concat(text.AsSpan(0, length), "…") : text;
}
