using System.Globalization;
using System.Text;
using Alle.Web.Services;
using Alle.Web.Services.Messaging;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Alle.Web.Pages.Console;

/// <summary>
/// The message log: texts sent and texts received, searched by phone (any written form), member, journey, status and
/// dates, a page at a time by cursor, with segments and estimated cost, and the whole search as CSV. Codes come masked
/// from Messaging, and phones too for roles that may not read personal data.
/// </summary>
public sealed class MessagesModel(MessagingAdminService messaging) : PageModel
{
    public const int PageSize = 50;
    public const int ExportLimit = 100_000;
    private const int ExportPageSize = 500;

    /// <summary><c>received</c> for members' texts to the program; anything else is the texts sent.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Tab { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Phone { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? UserId { get; set; }

    [BindProperty(SupportsGet = true)]
    public Guid? JourneyId { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Status { get; set; }

    /// <summary>First day of the range (UTC).</summary>
    [BindProperty(SupportsGet = true)]
    public DateOnly? From { get; set; }

    /// <summary>Last day of the range (UTC), included.</summary>
    [BindProperty(SupportsGet = true)]
    public DateOnly? To { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Cursor { get; set; }

    public bool Received => string.Equals(Tab, "received", StringComparison.Ordinal);

    public LogPage<MessageEntry> Sent { get; private set; } = new([], null, null);

    public LogPage<InboundEntry> Inbound { get; private set; } = new([], null, null);

    public MessageTotals? Totals { get; private set; }

    public IReadOnlyList<Journey> Journeys { get; private set; } = [];

    public string? Error { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Journeys = await messaging.ListJourneysAsync(cancellationToken);
        if ((Error = InvalidInput()) is not null)
        {
            return;
        }
        try
        {
            if (Received)
            {
                Inbound = await messaging.SearchInboundAsync(Search(), Cursor, PageSize, cancellationToken);
            }
            else
            {
                var totals = messaging.MessageTotalsAsync(Search(), cancellationToken);
                Sent = await messaging.SearchMessagesAsync(Search(), Cursor, PageSize, cancellationToken);
                Totals = await totals;
            }
        }
        catch (ServiceProblem problem) when (problem.Status == System.Net.HttpStatusCode.BadRequest)
        {
            Error = problem.Describe();
        }
    }

    /// <summary>Every page of the search as CSV, newest first, streamed as Messaging pages it, up to <see cref="ExportLimit"/> rows.</summary>
    public async Task<IActionResult> OnGetCsvAsync(CancellationToken cancellationToken)
    {
        if (InvalidInput() is not null)
        {
            await OnGetAsync(cancellationToken);
            return Page();
        }
        try
        {
            if (Received)
            {
                var first = await messaging.SearchInboundAsync(Search(), null, ExportPageSize, cancellationToken);
                await StreamAsync("texts-received.csv", MessageLogCsv.InboundHeader, first,
                    older => messaging.SearchInboundAsync(Search(), older, ExportPageSize, cancellationToken), MessageLogCsv.Row, cancellationToken);
            }
            else
            {
                var first = await messaging.SearchMessagesAsync(Search(), null, ExportPageSize, cancellationToken);
                await StreamAsync("texts-sent.csv", MessageLogCsv.SentHeader, first,
                    older => messaging.SearchMessagesAsync(Search(), older, ExportPageSize, cancellationToken), MessageLogCsv.Row, cancellationToken);
            }
            return new EmptyResult();
        }
        catch (ServiceProblem problem) when (problem.Status == System.Net.HttpStatusCode.BadRequest && !Response.HasStarted)
        {
            await OnGetAsync(cancellationToken);
            return Page();
        }
    }

    private async Task StreamAsync<T>(string fileName, string header, LogPage<T> first, Func<string, Task<LogPage<T>>> older, Func<T, string> row,
        CancellationToken cancellationToken)
    {
        Response.ContentType = "text/csv; charset=utf-8";
        Response.Headers.ContentDisposition = $"attachment; filename=\"{fileName}\"";
        // With a byte-order mark, spreadsheets read the masks (•) and accents as UTF-8.
        await using var writer = new StreamWriter(Response.Body, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true), leaveOpen: true);
        await writer.WriteAsync(header);
        var written = 0;
        for (var page = first; ; page = await older(page.Older))
        {
            foreach (var item in page.Data.Take(ExportLimit - written))
            {
                await writer.WriteAsync(row(item));
                written++;
            }
            await writer.FlushAsync(cancellationToken);
            if (written >= ExportLimit || page.Older is null)
            {
                return;
            }
        }
    }

    /// <summary>The search as Messaging reads it: whole days in UTC, the last one included.</summary>
    public MessageSearch Search() => new(Blank(Phone), Blank(UserId), Received ? null : JourneyId, Received ? null : Blank(Status),
        From is { } from ? new DateTimeOffset(from.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) : null,
        To is { } to ? new DateTimeOffset(to.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) : null);

    /// <summary>This page's search with another cursor (or tab), for the paging and export links.</summary>
    public string? Link(string? cursor, string? handler = null, string? tab = null) => Url.Page("/Console/Messages", handler, new
    {
        tab = tab ?? (Received ? "received" : null), phone = Blank(Phone), userId = Blank(UserId), journeyId = tab is null ? JourneyId : null,
        status = tab is null ? Blank(Status) : null, from = Day(From), to = Day(To), cursor,
    });

    /// <summary>The link to the page a cursor points at; none when there is no such page.</summary>
    public string? PageLink(string? cursor) => cursor is null ? null : Link(cursor);

    public string JourneyName(Guid id) => Journeys.FirstOrDefault(j => j.Id == id)?.Name ?? id.ToString();

    public static string Money(decimal amount, string currency) =>
        currency == "USD" ? "$" + amount.ToString("0.00##", CultureInfo.InvariantCulture) : $"{amount.ToString("0.00##", CultureInfo.InvariantCulture)} {currency}";

    private string? InvalidInput()
    {
        var invalid = ModelState.Where(entry => entry.Value?.Errors.Count > 0).Select(entry => entry.Key).ToList();
        return invalid.Count == 0 ? null : $"Not understood: {string.Join(", ", invalid.Select(key => key switch
        {
            nameof(From) => "the first day (a date such as 2026-12-01)",
            nameof(To) => "the last day (a date such as 2026-12-31)",
            nameof(JourneyId) => "the journey",
            _ => key,
        }))}.";
    }

    private static string? Day(DateOnly? day) => day?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
