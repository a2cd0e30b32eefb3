using System.Text.Json;
using Alle.Web.Services;
using Alle.Web.Services.Audiences;
using Alle.Web.Services.Loyalty;
using Alle.Web.Services.Messaging;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Alle.Web.Pages.Console;

/// <summary>Journeys with their counts by outcome; create, pause and resume.</summary>
public sealed class JourneysModel(MessagingAdminService messaging, AudiencesAdminService audiences, LoyaltyAdminService loyalty) : PageModel
{
    public const string FlashOfferFromEvent = "event:flashOfferId";

    public static readonly string[] FilterOperators = ["equals", "not_equals", "exists", "greater_than", "less_than"];

    [BindProperty]
    public JourneyInput Input { get; set; } = new();

    public IReadOnlyList<Journey> Journeys { get; private set; } = [];

    public IReadOnlyList<Audience> Audiences { get; private set; } = [];

    public IReadOnlyList<Offer> Offers { get; private set; } = [];

    /// <summary>The template rendered for a sample member, as it would go out: final text, encoding, segments.</summary>
    public TemplatePreview? Preview { get; private set; }

    public async Task OnGetAsync(string? audience, CancellationToken cancellationToken)
    {
        Input.AudienceKey = audience;
        await LoadAsync(cancellationToken);
    }

    public async Task<IActionResult> OnPostCreateAsync(CancellationToken cancellationToken)
    {
        var definition = Input.ToDefinition(out var errors);
        foreach (var error in errors)
        {
            ModelState.AddModelError(string.Empty, error);
        }
        if (errors.Count == 0)
        {
            try
            {
                var journey = await messaging.CreateJourneyAsync(definition, cancellationToken);
                TempData["Notice"] = $"Journey \"{journey.Name}\" created and active.";
                return RedirectToPage();
            }
            catch (ServiceProblem problem) when (problem.Status == System.Net.HttpStatusCode.BadRequest)
            {
                ModelState.AddModelError(string.Empty, problem.Describe());
            }
        }
        await LoadAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostPreviewAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(Input.Template))
        {
            ModelState.AddModelError("Input.Template", "Write the text to preview.");
        }
        else
        {
            try
            {
                Preview = await messaging.PreviewTemplateAsync(Input.Template, cancellationToken);
            }
            catch (ServiceProblem problem) when (problem.Status == System.Net.HttpStatusCode.BadRequest)
            {
                ModelState.AddModelError("Input.Template", problem.Describe());
            }
        }
        await LoadAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostPauseAsync(Guid id, CancellationToken cancellationToken)
    {
        await messaging.SetJourneyActiveAsync(id, active: false, cancellationToken);
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostResumeAsync(Guid id, CancellationToken cancellationToken)
    {
        await messaging.SetJourneyActiveAsync(id, active: true, cancellationToken);
        return RedirectToPage();
    }

    public static string DescribeTrigger(JsonElement definition)
    {
        if (!definition.TryGetProperty("trigger", out var trigger))
        {
            return "";
        }
        return trigger.GetProperty("type").GetString() == "audience"
            ? $"enters {trigger.GetProperty("audienceKey").GetString()}"
            : $"event {(trigger.TryGetProperty("event", out var name) ? name.GetString() : "")}";
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var list = messaging.ListJourneysAsync(cancellationToken);
        var audienceList = audiences.ListAsync(cancellationToken);
        var offers = loyalty.ListOffersAsync(cancellationToken);
        await Task.WhenAll(list, audienceList, offers);
        // The list has no counts; each journey's own read has them.
        var detailed = await Task.WhenAll(list.Result.OrderByDescending(j => j.CreatedAt).Take(50)
            .Select(async j => await messaging.GetJourneyAsync(j.Id, cancellationToken) ?? j));
        Journeys = detailed;
        Audiences = audienceList.Result;
        Offers = [.. offers.Result.Where(o => o.Active && o.EndsAt > DateTimeOffset.UtcNow)];
    }

    public sealed class JourneyInput
    {
        public string? Name { get; set; }

        public string TriggerType { get; set; } = "audience";

        public string? AudienceKey { get; set; }

        public string? Event { get; set; }

        public string? FilterProperty { get; set; }

        public string FilterOperator { get; set; } = "equals";

        public string? FilterValue { get; set; }

        public int DelayMinutes { get; set; }

        public string? OfferId { get; set; }

        public string? Template { get; set; }

        public string EntryPolicy { get; set; } = "once";

        public int? EntryDays { get; set; }

        public string Category { get; set; } = "marketing";

        /// <summary>The definition Messaging takes (its own validation has the last word).</summary>
        public object ToDefinition(out List<string> errors)
        {
            errors = [];
            if (string.IsNullOrWhiteSpace(Name)) { errors.Add("Give the journey a name."); }
            if (string.IsNullOrWhiteSpace(Template)) { errors.Add("Write the text to send."); }
            object trigger;
            if (TriggerType == "event")
            {
                if (string.IsNullOrWhiteSpace(Event)) { errors.Add("Name the event that starts the journey."); }
                var filters = string.IsNullOrWhiteSpace(FilterProperty)
                    ? Array.Empty<object>()
                    : new object[]
                    {
                        FilterOperator == "exists"
                            ? (object)new { property = FilterProperty.Trim(), @operator = FilterOperator }
                            : new { property = FilterProperty.Trim(), @operator = FilterOperator, value = ConditionValue(FilterValue) },
                    };
                trigger = new { type = "event", @event = Event?.Trim(), filters };
            }
            else
            {
                if (string.IsNullOrWhiteSpace(AudienceKey)) { errors.Add("Choose the audience that starts the journey."); }
                trigger = new { type = "audience", audienceKey = AudienceKey };
            }
            if (DelayMinutes < 0) { errors.Add("The wait cannot be negative."); }
            var coupon = OfferId switch
            {
                null or "" => (object?)null,
                FlashOfferFromEvent => new { offerIdProperty = "flashOfferId" },
                _ => new { offerId = OfferId },
            };
            object entryPolicy = EntryPolicy == "once_per_days" ? new { type = "once_per_days", days = EntryDays } : new { type = "once" };
            return new
            {
                name = Name?.Trim(),
                trigger,
                template = Template,
                delaySeconds = DelayMinutes * 60,
                coupon,
                entryPolicy,
                category = Category,
            };
        }

        private static object? ConditionValue(string? text) =>
            decimal.TryParse(text, System.Globalization.NumberStyles.Number, System.Globalization.CultureInfo.InvariantCulture, out var number) ? number : text;
    }
}
