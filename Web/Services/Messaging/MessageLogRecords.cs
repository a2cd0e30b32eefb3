using System.Globalization;

namespace Alle.Web.Services.Messaging;

/// <summary>A search of the message log; <see cref="To"/> is exclusive.</summary>
public sealed record MessageSearch(string? Phone = null, string? UserId = null, Guid? JourneyId = null, string? Status = null,
    DateTimeOffset? From = null, DateTimeOffset? To = null)
{
    /// <summary>The search as Messaging's query parameters (after <c>?</c>, without the cursor and limit).</summary>
    public List<string> QueryParameters()
    {
        var query = new List<string>();
        void Add(string name, string? value)
        {
            if (!string.IsNullOrWhiteSpace(value))
            {
                query.Add($"{name}={ServiceResponses.Escape(value)}");
            }
        }
        Add("phone", Phone);
        Add("userId", UserId);
        Add("journeyId", JourneyId?.ToString());
        Add("status", Status);
        Add("from", From?.ToString("O", CultureInfo.InvariantCulture));
        Add("to", To?.ToString("O", CultureInfo.InvariantCulture));
        return query;
    }
}

/// <param name="Older">The cursor of the next page of older entries; null on the last page.</param>
/// <param name="Newer">The cursor of the page of newer entries; null on the first page.</param>
public sealed record LogPage<T>(IReadOnlyList<T> Data, string? Older, string? Newer);

public sealed record InboundEntry(string Sid, string From, string To, string Body, string? Keyword, string? UserId, DateTimeOffset ReceivedAt);

public sealed record StatusTotal(string Status, long Messages, long Segments);

/// <param name="Basis">Says what the estimate is: the configured price per segment, not Twilio's bill.</param>
public sealed record MessageTotals(long Messages, long Segments, long BilledMessages, long BilledSegments, decimal EstimatedCost, string Currency,
    IReadOnlyDictionary<string, decimal> PricePerSegment, IReadOnlyList<StatusTotal> ByStatus, string Basis);
