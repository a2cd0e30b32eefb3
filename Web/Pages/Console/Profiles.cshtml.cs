using Alle.Web.Services;
using Alle.Web.Services.Audiences;
using Alle.Web.Services.Messaging;
using Alle.Web.Services.Profiles;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Alle.Web.Pages.Console;

/// <summary>One person as the platform sees her: traits, identities, timeline (Profiles), audiences and computed traits (Audiences), texts (Messaging).</summary>
public sealed class ProfilesModel(ProfilesAdminService profiles, AudiencesAdminService audiences, MessagingAdminService messaging) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string By { get; set; } = "phone";

    [BindProperty(SupportsGet = true)]
    public string? Value { get; set; }

    public ProfileSummary? Profile { get; private set; }

    public bool Missing { get; private set; }

    public ProfileAudiences? Audiences { get; private set; }

    public IReadOnlyList<TimelineEvent> Timeline { get; private set; } = [];

    public IReadOnlyList<MessageEntry> Messages { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(Value) || By is not ("phone" or "email" or "userId"))
        {
            return;
        }
        try
        {
            Profile = await profiles.LookupAsync(By, Value.Trim(), cancellationToken);
        }
        catch (ServiceProblem problem) when (problem.Status == System.Net.HttpStatusCode.BadRequest)
        {
            Profile = null;
        }
        if (Profile is null)
        {
            Missing = true;
            return;
        }
        var identifier = Profile.UserId is { } userId ? $"user_id:{userId}"
            : Profile.Identifiers.FirstOrDefault() is { } first ? $"{first.Type}:{first.Value}" : null;
        var timeline = identifier is null ? Task.FromResult<IReadOnlyList<TimelineEvent>>([]) : profiles.TimelineAsync(identifier, 50, cancellationToken);
        var memberships = audiences.ProfileAsync(Profile.ProfileId, cancellationToken);
        var phone = Profile.Identifiers.FirstOrDefault(i => i.Type == "phone")?.Value;
        var texts = Profile.UserId is not null || phone is not null
            ? messaging.ListMessagesAsync(new MessageFilter(UserId: Profile.UserId, Phone: Profile.UserId is null ? phone : null, Limit: 50), cancellationToken)
            : Task.FromResult<IReadOnlyList<MessageEntry>>([]);
        await Task.WhenAll(timeline, memberships, texts);
        Timeline = timeline.Result;
        Audiences = memberships.Result;
        Messages = texts.Result;
    }
}
