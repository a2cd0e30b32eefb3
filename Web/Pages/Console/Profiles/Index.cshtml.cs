using System.Net;
using Alle.Platform.Authorization;
using Alle.Web.Authentication;
using Alle.Web.Services;
using Alle.Web.Services.Audiences;
using Alle.Web.Services.Loyalty;
using Alle.Web.Services.Messaging;
using Alle.Web.Services.Profiles;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Alle.Web.Pages.Console.Profiles;

/// <summary>A part of the page a service may refuse to the operator's role: its value, or the refusal in words.</summary>
public sealed record Part<T>(T? Value, string? Refused = null);

/// <summary>
/// One person as the platform sees her: identifiers, traits with their source and time, her timeline with filters and
/// paging (Profiles), computed traits and audiences with entry times (Audiences), merges with an unmerge, texts sent to
/// her (Messaging), points and coupons (Loyalty). The services answer with the operator's own token, so they mask phones
/// and e-mails for roles that may not read personal data and refuse what the role may not see; the page masks again.
/// </summary>
public sealed class IndexModel(ProfilesAdminService profiles, AudiencesAdminService audiences, MessagingAdminService messaging, LoyaltyAdminService loyalty)
    : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string By { get; set; } = "phone";

    [BindProperty(SupportsGet = true)]
    public string? Value { get; set; }

    [BindProperty(SupportsGet = true, Name = "event")]
    public string? EventName { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Type { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? From { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? To { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Next { get; set; }

    public ProfileSummary? Profile { get; private set; }

    public bool Missing { get; private set; }

    public TimelineFilter Filter { get; private set; } = new(null, null, null, null, null);

    public Part<IReadOnlyDictionary<string, TraitDetail>> Traits { get; private set; } = new(null);

    public Part<TimelinePage> Timeline { get; private set; } = new(null);

    public Part<ProfileAudiences?> Audiences { get; private set; } = new(null);

    public Part<IReadOnlyList<MergeRecord>> Merges { get; private set; } = new(null);

    public Part<IReadOnlyList<MessageEntry>> Messages { get; private set; } = new(null);

    public Part<Balance?> Points { get; private set; } = new(null);

    public Part<List<Coupon>?> Coupons { get; private set; } = new(null);

    public bool MayReadPersonalData => User.ConsoleMay(Permissions.PersonalDataRead);

    public bool MayUnmerge => User.ConsoleMay(Permissions.MembersWrite);

    /// <summary>Text as this operator may see it: phones and e-mails masked unless her role reads personal data.</summary>
    public string Shown(string? text) => text is null ? "" : MayReadPersonalData ? text : PersonalDataMasking.Mask(text);

    /// <summary>The query string of this look-up with some of its filters changed (null drops one).</summary>
    public string Link(string? next = null, bool keepFilters = true) => "/console/profiles?" + string.Join('&', new[]
        {
            ("by", By), ("value", Value),
            ("event", keepFilters ? Filter.Event : null), ("type", keepFilters ? Filter.Type : null),
            ("from", keepFilters ? Filter.From?.ToString("yyyy-MM-dd") : null), ("to", keepFilters ? Filter.To?.ToString("yyyy-MM-dd") : null),
            ("next", next),
        }.Where(pair => !string.IsNullOrEmpty(pair.Item2)).Select(pair => $"{pair.Item1}={Uri.EscapeDataString(pair.Item2!)}"));

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(Value) || By is not ("phone" or "email" or "userId"))
        {
            return;
        }
        var (filter, errors) = TimelineFilter.Read(EventName, Type, From, To, Next);
        Filter = filter;
        foreach (var (field, message) in errors)
        {
            ModelState.AddModelError(field, message);
        }
        try
        {
            Profile = await profiles.LookupAsync(By, Value.Trim(), cancellationToken);
        }
        catch (ServiceProblem problem) when (problem.Status == HttpStatusCode.BadRequest)
        {
            Profile = null;
        }
        if (Profile is null)
        {
            Missing = true;
            return;
        }
        await LoadAsync(Profile, cancellationToken);
    }

    public async Task<IActionResult> OnPostUnmergeAsync(Guid mergeId, string? confirm, CancellationToken cancellationToken)
    {
        if (confirm != "yes")
        {
            TempData["Notice"] = "Nothing changed: confirm the unmerge first.";
            return LocalRedirect(Link(keepFilters: false));
        }
        try
        {
            var undone = await profiles.UnmergeAsync(mergeId, cancellationToken);
            TempData["Notice"] = $"Merge undone: profile {undone.RestoredProfileId} is a person of its own again, with {undone.MovedEvents:N0} events.";
        }
        catch (ServiceProblem problem) when (problem.Status is HttpStatusCode.NotFound or HttpStatusCode.Conflict)
        {
            TempData["Notice"] = $"Nothing changed: {problem.Describe()}";
        }
        return LocalRedirect(Link(keepFilters: false));
    }

    private async Task LoadAsync(ProfileSummary profile, CancellationToken cancellationToken)
    {
        var identifier = profile.UserId is { } userId ? $"user_id:{userId}"
            : profile.Identifiers.FirstOrDefault() is { } first ? $"{first.Type}:{first.Value}" : null;
        var phone = profile.Identifiers.FirstOrDefault(i => i.Type == "phone")?.Value;
        var traits = identifier is null ? Task.FromResult(new Part<IReadOnlyDictionary<string, TraitDetail>>(null)) : PartAsync(profiles.TraitsAsync(identifier, cancellationToken));
        var timeline = identifier is null || !ModelState.IsValid
            ? Task.FromResult(new Part<TimelinePage>(null))
            : PartAsync(profiles.EventsAsync(identifier, Filter.Query, cancellationToken));
        var memberships = PartAsync(audiences.ProfileAsync(profile.ProfileId, cancellationToken));
        var merges = PartAsync(profiles.MergesAsync(profile.ProfileId, cancellationToken));
        var texts = profile.UserId is not null || phone is not null
            ? PartAsync(messaging.ListMessagesAsync(new MessageFilter(UserId: profile.UserId, Phone: profile.UserId is null ? phone : null, Limit: 50), cancellationToken))
            : Task.FromResult(new Part<IReadOnlyList<MessageEntry>>([]));
        var points = profile.UserId is null ? Task.FromResult(new Part<Balance?>(null)) : PartAsync(loyalty.GetBalanceAsync(profile.UserId, cancellationToken));
        var coupons = profile.UserId is null ? Task.FromResult(new Part<List<Coupon>?>(null)) : PartAsync(loyalty.GetCouponsAsync(profile.UserId, cancellationToken));
        await Task.WhenAll(traits, timeline, memberships, merges, texts, points, coupons);
        (Traits, Timeline, Audiences, Merges, Messages, Points, Coupons) =
            (traits.Result, timeline.Result, memberships.Result, merges.Result, texts.Result, points.Result, coupons.Result);
    }

    /// <summary>A section's data, or why the service refused it to this role (the rest of the page still shows).</summary>
    private static async Task<Part<T>> PartAsync<T>(Task<T> reading)
    {
        try
        {
            return new Part<T>(await reading);
        }
        catch (ServiceProblem problem) when (problem.Status == HttpStatusCode.Forbidden)
        {
            return new Part<T>(default, $"Not allowed for your role: {problem.Describe()}");
        }
    }
}
