using Alle.Web.Services.Audiences;
using Alle.Web.Services.Ingestion;
using Alle.Web.Services.Messaging;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Alle.Web.Pages.Console;

public sealed class IndexModel(IngestionAdminService ingestion, AudiencesAdminService audiences, MessagingAdminService messaging) : PageModel
{
    public int Sources { get; private set; }

    public IReadOnlyList<Audience> Audiences { get; private set; } = [];

    public int Journeys { get; private set; }

    public int MessagesCounted { get; private set; }

    public IReadOnlyList<(string Label, double Value)> ByStatus { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var sources = ingestion.ListSourcesAsync(cancellationToken);
        var audienceList = audiences.ListAsync(cancellationToken);
        var journeys = messaging.ListJourneysAsync(cancellationToken);
        var messages = messaging.ListMessagesAsync(new MessageFilter(Limit: 500), cancellationToken);
        await Task.WhenAll(sources, audienceList, journeys, messages);
        Sources = sources.Result.Count;
        Audiences = audienceList.Result;
        Journeys = journeys.Result.Count;
        MessagesCounted = messages.Result.Count;
        ByStatus = MessageStatuses.Count(messages.Result);
    }
}

public static class MessageStatuses
{
    public static readonly string[] All = ["pending", "deferred", "sending", "queued", "sent", "delivered", "undelivered", "failed", "skipped"];

    public static IReadOnlyList<(string Label, double Value)> Count(IEnumerable<MessageEntry> messages)
    {
        var counts = messages.GroupBy(m => m.Status).ToDictionary(g => g.Key, g => g.Count());
        return [.. All.Select(status => (status, (double)counts.GetValueOrDefault(status)))];
    }
}
