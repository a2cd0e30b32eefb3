using Alle.Messaging.Sending;

namespace Alle.Messaging.Log;

/// <summary>
/// What texts cost, estimated from configuration (<c>Messaging:PricePerSegment</c>, per encoding in
/// <c>Messaging:PricePerSegmentByEncoding</c>), not Twilio's bill: carriers' fees and Twilio's own rounding are not in it.
/// A text counts once Twilio has accepted it (queued, sent, delivered or undelivered); a skipped, failed or unsent one costs nothing.
/// </summary>
internal sealed class MessagePricing(decimal perSegment, IReadOnlyDictionary<string, decimal>? byEncoding = null, string currency = "USD")
{
    public const decimal DefaultPerSegment = 0.0079m;

    public string Currency { get; } = currency;

    /// <summary>The price of one segment in <paramref name="encoding"/>.</summary>
    public decimal PerSegment(string encoding) =>
        byEncoding is not null && byEncoding.TryGetValue(encoding, out var price) ? price : perSegment;

    /// <summary>The encodings with a price of their own, and every other one's (<c>*</c>).</summary>
    public IReadOnlyDictionary<string, decimal> Prices =>
        new Dictionary<string, decimal>(byEncoding ?? new Dictionary<string, decimal>(), StringComparer.Ordinal) { ["*"] = perSegment };

    public static bool IsBilled(string status) => status is MessageStatus.Queued or MessageStatus.Sent or MessageStatus.Delivered or MessageStatus.Undelivered;

    public decimal Estimate(string encoding, int segments, string status) => IsBilled(status) ? segments * PerSegment(encoding) : 0m;
}
