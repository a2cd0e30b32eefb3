using Alle.Web.Services;
using Alle.Web.Services.Messaging;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Alle.Web.Pages.Console;

public sealed class MessagesModel(MessagingAdminService messaging) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? Status { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? UserId { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Phone { get; set; }

    [BindProperty(SupportsGet = true)]
    public Guid? JourneyId { get; set; }

    public IReadOnlyList<MessageEntry> Messages { get; private set; } = [];

    public IReadOnlyList<(string Label, double Value)> ByStatus { get; private set; } = [];

    public string? Error { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        try
        {
            Messages = await messaging.ListMessagesAsync(new MessageFilter(UserId, Phone, JourneyId, string.IsNullOrEmpty(Status) ? null : Status, 200), cancellationToken);
        }
        catch (ServiceProblem problem) when (problem.Status == System.Net.HttpStatusCode.BadRequest)
        {
            Error = problem.Describe();
        }
        ByStatus = MessageStatuses.Count(Messages);
    }
}
