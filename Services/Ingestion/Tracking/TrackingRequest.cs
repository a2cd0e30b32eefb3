using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Alle.Ingestion.Tracking;

/// <summary>
/// The body of one Tracking API request, parsed and checked against Segment's limits: a single call
/// (<c>/v1/track</c>, …) or a batch (<c>/v1/batch</c>, <c>/v1/import</c>, <c>/v1/b</c>) whose top-level <c>context</c>,
/// <c>integrations</c> and <c>sentAt</c> apply to every item.
/// </summary>
internal sealed class TrackingRequest
{
    private TrackingRequest(string? writeKey, IReadOnlyList<JsonElement> messages, BatchDefaults defaults)
    {
        WriteKey = writeKey;
        Messages = messages;
        Defaults = defaults;
    }

    /// <summary>The write key sent in the body (Analytics-CSharp sends it there instead of an Authorization header).</summary>
    public string? WriteKey { get; }

    public IReadOnlyList<JsonElement> Messages { get; }

    public BatchDefaults Defaults { get; }

    /// <summary>The body's size once decompressed.</summary>
    public int Bytes { get; private init; }

    /// <param name="body">The request body, already decompressed and no larger than the limit for its kind.</param>
    /// <param name="isBatch">True for the batch endpoints.</param>
    public static TrackingRequest Parse(ReadOnlyMemory<byte> body, bool isBatch)
    {
        JsonElement root;
        try
        {
            root = JsonSerializer.Deserialize<JsonElement>(body.Span);
            // Invalid UTF-8, lone surrogates and NUL would fail only when stored, after the request was accepted.
            ProblemResponses.EnsureStorable(body.Span, root);
        }
        catch (JsonException exception)
        {
            throw new TrackingRequestException("Malformed JSON",
                $"The body is not valid JSON ({exception.Message.Split('.')[0]}).", null);
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new TrackingRequestException("Malformed JSON", "The body must be a JSON object.", null);
        }

        var writeKey = root.TryGetProperty("writeKey", out var key) && key.ValueKind == JsonValueKind.String ? key.GetString() : null;
        if (!isBatch)
        {
            return new TrackingRequest(writeKey, [root], default) { Bytes = body.Length };
        }

        if (!root.TryGetProperty("batch", out var batch) || batch.ValueKind != JsonValueKind.Array)
        {
            throw new TrackingRequestException("Malformed JSON", "A batch request needs a 'batch' array of calls.", null);
        }

        var count = batch.GetArrayLength();
        if (count > TrackingLimits.MaxBatchMessages)
        {
            throw new TrackingRequestException("Batch has too many events",
                $"A batch holds at most {TrackingLimits.MaxBatchMessages} events; this one has {count}.", "2500 events per batch");
        }

        var messages = new List<JsonElement>(count);
        foreach (var message in batch.EnumerateArray())
        {
            var size = JsonMarshal.GetRawUtf8Value(message).Length;
            if (size > TrackingLimits.MaxMessageBytes)
            {
                throw new TrackingRequestException("Event too large",
                    $"Event {messages.Count} of the batch is {size} bytes; an event may be at most 32 KB ({TrackingLimits.MaxMessageBytes} bytes).", "32 KB per event");
            }
            messages.Add(message);
        }

        var defaults = new BatchDefaults(
            ObjectOrNull(root, "context"),
            ObjectOrNull(root, "integrations"),
            root.TryGetProperty("sentAt", out var sentAt) && TryReadTimestamp(sentAt, out var sent) ? sent : null);
        return new TrackingRequest(writeKey, messages, defaults) { Bytes = body.Length };
    }

    internal static JsonElement? ObjectOrNull(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object ? value : null;

    internal static bool TryReadTimestamp(JsonElement value, out DateTimeOffset? timestamp)
    {
        timestamp = null;
        if (value.ValueKind == JsonValueKind.Null)
        {
            return true;
        }
        if (value.ValueKind == JsonValueKind.String
            && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            timestamp = parsed;
            return true;
        }
        return false;
    }
}

/// <summary>What a batch says once for all its calls.</summary>
internal readonly record struct BatchDefaults(JsonElement? Context, JsonElement? Integrations, DateTimeOffset? SentAt);

/// <summary>The whole request is refused with 400 (malformed JSON or a size limit); <see cref="Limit"/> names the limit.</summary>
internal sealed class TrackingRequestException(string title, string detail, string? limit) : Exception(detail)
{
    public string Title { get; } = title;

    public string? Limit { get; } = limit;
}
