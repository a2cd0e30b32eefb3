using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace Alle.Web.Services.Messaging;

/// <summary>Messaging for the console: journeys and the message log (admin key).</summary>
public sealed class MessagingAdminService(HttpClient http)
{
    public async Task<IReadOnlyList<Journey>> ListJourneysAsync(CancellationToken cancellationToken) =>
        (await http.GetAsync("/api/messaging/journeys", cancellationToken).ReadAsync<DataList<Journey>>(cancellationToken)).Data;

    public Task<Journey?> GetJourneyAsync(Guid id, CancellationToken cancellationToken) =>
        http.GetAsync($"/api/messaging/journeys/{id}", cancellationToken).ReadOrNullAsync<Journey>(cancellationToken);

    public Task<Journey> CreateJourneyAsync(object definition, CancellationToken cancellationToken) =>
        http.PostAsJsonAsync("/api/messaging/journeys", definition, cancellationToken).ReadAsync<Journey>(cancellationToken);

    /// <summary>Saves an edit as a new version (members inside finish on theirs).</summary>
    public Task<Journey> ReviseJourneyAsync(Guid id, JsonElement definition, CancellationToken cancellationToken) =>
        http.PutAsJsonAsync($"/api/messaging/journeys/{id}", definition, cancellationToken).ReadAsync<Journey>(cancellationToken);

    /// <summary>Texts a template rendered for the sample member to a (sandbox) phone.</summary>
    public Task<JsonElement> TestSendAsync(string template, string to, CancellationToken cancellationToken) =>
        http.PostAsJsonAsync("/api/messaging/journeys/test-send", new { template, to }, cancellationToken).ReadAsync<JsonElement>(cancellationToken);

    public Task<Journey> SetJourneyActiveAsync(Guid id, bool active, CancellationToken cancellationToken) =>
        http.PostAsync($"/api/messaging/journeys/{id}/{(active ? "resume" : "pause")}", null, cancellationToken).ReadAsync<Journey>(cancellationToken);

    /// <summary>A number's consent and its audit trail, and whether texts to it are stopped (the portal's sign-in asks while she texts START).</summary>
    public Task<ConsentView> GetConsentAsync(string phone, CancellationToken cancellationToken) =>
        http.GetAsync($"/api/messaging/consent/{ServiceResponses.Escape(phone)}", cancellationToken).ReadAsync<ConsentView>(cancellationToken);

    /// <summary>Everything Messaging holds about a member (her access request).</summary>
    public Task<JsonElement> ExportMemberAsync(string userId, string? phone, CancellationToken cancellationToken) =>
        http.GetAsync($"/api/messaging/members/{ServiceResponses.Escape(userId)}/export" + (phone is null ? "" : $"?phone={ServiceResponses.Escape(phone)}"), cancellationToken)
            .ReadAsync<JsonElement>(cancellationToken);

    public Task<TemplatePreview> PreviewTemplateAsync(string template, CancellationToken cancellationToken) =>
        http.PostAsJsonAsync("/api/messaging/templates/preview", new { template }, cancellationToken).ReadAsync<TemplatePreview>(cancellationToken);

    /// <summary>One page of the texts a search finds, newest first; <paramref name="cursor"/> is a page's older or newer cursor.</summary>
    public Task<LogPage<MessageEntry>> SearchMessagesAsync(MessageSearch search, string? cursor, int limit, CancellationToken cancellationToken) =>
        http.GetAsync(LogPath("/api/messaging/messages", search.QueryParameters(), cursor, limit), cancellationToken).ReadAsync<LogPage<MessageEntry>>(cancellationToken);

    public Task<MessageTotals> MessageTotalsAsync(MessageSearch search, CancellationToken cancellationToken) =>
        http.GetAsync($"/api/messaging/messages/totals?{string.Join('&', search.QueryParameters())}", cancellationToken).ReadAsync<MessageTotals>(cancellationToken);

    /// <summary>Members' texts to the program (journey and status do not apply to them).</summary>
    public Task<LogPage<InboundEntry>> SearchInboundAsync(MessageSearch search, string? cursor, int limit, CancellationToken cancellationToken) =>
        http.GetAsync(LogPath("/api/messaging/messages/inbound", (search with { JourneyId = null, Status = null }).QueryParameters(), cursor, limit), cancellationToken)
            .ReadAsync<LogPage<InboundEntry>>(cancellationToken);

    private static string LogPath(string path, List<string> query, string? cursor, int limit)
    {
        query.Add($"limit={limit.ToString(CultureInfo.InvariantCulture)}");
        if (!string.IsNullOrEmpty(cursor))
        {
            query.Add($"cursor={ServiceResponses.Escape(cursor)}");
        }
        return $"{path}?{string.Join('&', query)}";
    }

    public async Task<IReadOnlyList<MessageEntry>> ListMessagesAsync(MessageFilter filter, CancellationToken cancellationToken)
    {
        var query = new List<string> { $"limit={filter.Limit.ToString(CultureInfo.InvariantCulture)}" };
        if (!string.IsNullOrWhiteSpace(filter.UserId)) { query.Add($"userId={ServiceResponses.Escape(filter.UserId)}"); }
        if (!string.IsNullOrWhiteSpace(filter.Phone)) { query.Add($"phone={ServiceResponses.Escape(filter.Phone)}"); }
        if (filter.JourneyId is { } journey) { query.Add($"journeyId={journey}"); }
        if (!string.IsNullOrWhiteSpace(filter.Status)) { query.Add($"status={ServiceResponses.Escape(filter.Status)}"); }
        return (await http.GetAsync($"/api/messaging/messages?{string.Join('&', query)}", cancellationToken)
            .ReadAsync<DataList<MessageEntry>>(cancellationToken)).Data;
    }
}

public sealed record DataList<T>(IReadOnlyList<T> Data);

public sealed record ConsentAuditEntry(string Category, bool Subscribed, string Source, string? Evidence, DateTimeOffset At);

public sealed record ConsentView(string Phone, IReadOnlyList<JsonElement> Consents, IReadOnlyList<ConsentAuditEntry> Audit, bool Suppressed, bool TextsStopped);

/// <param name="Text">What goes out: the rendered sample after smart encoding.</param>
public sealed record TemplatePreview(string Rendered, string Text, string Encoding, int Segments, int Units, int Replaced);

public sealed record MessageFilter(string? UserId = null, string? Phone = null, Guid? JourneyId = null, string? Status = null, int Limit = 100);

public sealed record JourneyCounts(long Entered, long Waiting, long Sent, long Delivered, long Failed, IReadOnlyDictionary<string, long> Skipped,
    long WaitingForContact = 0, long Completed = 0, long Exited = 0, long Converted = 0, IReadOnlyList<StepCounts>? Steps = null,
    IReadOnlyList<PathCounts>? Paths = null, IReadOnlyList<SplitLift>? Lift = null);

public sealed record StepCounts(string StepId, string Type, long Entered, long Waiting, long WaitingForContact, long Sent, long Delivered, long Failed,
    IReadOnlyDictionary<string, long> Skipped, long Exited, long Converted, IReadOnlyDictionary<string, long> Outcomes);

public sealed record PathCounts(string Path, long Entered, long Converted, double ConversionRate);

public sealed record ArmCounts(string Name, bool Holdout, long Entered, long Converted, double ConversionRate, double? Lift, double? RelativeLift);

public sealed record SplitLift(string StepId, IReadOnlyList<ArmCounts> Arms);

public sealed record Journey(Guid Id, string Name, string Status, JsonElement Definition, JourneyCounts? Counts, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    int Version = 1);

public sealed record MessageEntry(
    Guid Id, string To, string? UserId, string Category, string Purpose, string Body, string Encoding, int Segments, string Status,
    string? SkipReason, DateTimeOffset NotBefore, string? ProviderSid, int? ErrorCode, string? ErrorMessage, Guid? JourneyId,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, decimal EstimatedCost = 0);
