namespace Alle.Messaging.Log;

internal sealed record StatusTotal(string Status, long Messages, long Segments);

/// <summary>A search's texts, segments and estimated cost (see <see cref="MessagePricing"/>), in all and per status.</summary>
internal sealed record MessageTotals(long Messages, long Segments, long BilledMessages, long BilledSegments, decimal EstimatedCost, string Currency,
    IReadOnlyDictionary<string, decimal> PricePerSegment, IReadOnlyList<StatusTotal> ByStatus, string Basis)
{
    public const string EstimateBasis = "An estimate from the configured price per segment (Messaging:PricePerSegment), not Twilio's bill.";

    public static MessageTotals From(IReadOnlyCollection<MessageTally> tallies, MessagePricing pricing)
    {
        var billed = tallies.Where(t => MessagePricing.IsBilled(t.Status)).ToList();
        return new MessageTotals(
            tallies.Sum(t => t.Messages), tallies.Sum(t => t.Segments), billed.Sum(t => t.Messages), billed.Sum(t => t.Segments),
            billed.Sum(t => t.Segments * pricing.PerSegment(t.Encoding)), pricing.Currency, pricing.Prices,
            [.. tallies.GroupBy(t => t.Status, StringComparer.Ordinal).OrderByDescending(g => g.Sum(t => t.Messages)).ThenBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => new StatusTotal(g.Key, g.Sum(t => t.Messages), g.Sum(t => t.Segments)))],
            EstimateBasis);
    }
}
