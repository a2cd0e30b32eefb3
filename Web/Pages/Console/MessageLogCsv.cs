using System.Globalization;
using Alle.Web.Formatting;
using Alle.Web.Services.Messaging;

namespace Alle.Web.Pages.Console;

/// <summary>The message log's CSV: one row per text, as the page shows it (codes masked; phones masked for roles that may not read them).</summary>
public static class MessageLogCsv
{
    public static readonly string SentHeader = Csv.Row("created_at", "id", "to", "user_id", "journey_id", "category", "purpose", "status", "encoding",
        "segments", "estimated_cost", "body", "error_code", "skip_reason", "twilio_sid");

    public static readonly string InboundHeader = Csv.Row("received_at", "sid", "from", "to", "user_id", "keyword", "body");

    public static string Row(MessageEntry m) => Csv.Row(Instant(m.CreatedAt), m.Id.ToString(), m.To, m.UserId, m.JourneyId?.ToString(), m.Category,
        m.Purpose, m.Status, m.Encoding, m.Segments.ToString(CultureInfo.InvariantCulture), m.EstimatedCost.ToString(CultureInfo.InvariantCulture), m.Body,
        m.ErrorCode?.ToString(CultureInfo.InvariantCulture), m.SkipReason, m.ProviderSid);

    public static string Row(InboundEntry m) => Csv.Row(Instant(m.ReceivedAt), m.Sid, m.From, m.To, m.UserId, m.Keyword, m.Body);

    private static string Instant(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
}
