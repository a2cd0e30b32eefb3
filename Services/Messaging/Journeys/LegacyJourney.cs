using System.Globalization;

namespace Alle.Messaging.Journeys;

/// <summary>The coupon of a single-step journey: a fixed offer, or the offer named by a property of the trigger event.</summary>
internal sealed record CouponStep(string? OfferId = null, string? OfferIdProperty = null);

/// <summary>
/// A journey as it was written before journeys had steps — a trigger, an optional delay, an optional coupon and one
/// text — still accepted by the API and turned into the equivalent graph: <c>wait</c> → <c>issue_coupon</c> →
/// <c>send_sms</c> (migration 0005 did the same to the journeys already stored).
/// </summary>
internal sealed record LegacyJourney(
    string Name,
    JourneyTrigger Trigger,
    string Template,
    int DelaySeconds = 0,
    CouponStep? Coupon = null,
    EntryPolicy? EntryPolicy = null,
    string Category = "marketing")
{
    public const string WaitStep = "wait";
    public const string CouponStepId = "coupon";
    public const string TextStep = "text";

    public JourneyDefinition ToDefinition()
    {
        var steps = new List<JourneyStep>();
        if (DelaySeconds > 0)
        {
            steps.Add(new JourneyStep(WaitStep, JourneyStep.Wait, Duration: DelaySeconds.ToString(CultureInfo.InvariantCulture) + "s"));
        }
        if (Coupon is not null)
        {
            steps.Add(new JourneyStep(CouponStepId, JourneyStep.IssueCoupon, OfferId: Coupon.OfferId, OfferIdProperty: Coupon.OfferIdProperty));
        }
        steps.Add(new JourneyStep(TextStep, JourneyStep.SendSms, Template: Template));
        return new JourneyDefinition(Name.Trim(), Trigger, steps, EntryPolicy, Category);
    }

    /// <summary>Problems with the definition, by field; empty when it can run.</summary>
    public Dictionary<string, string[]> Validate()
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(Name) || Name.Length > 200)
        {
            errors["name"] = ["A name of at most 200 characters is required."];
        }
        switch (Trigger?.Type)
        {
            case JourneyTrigger.Audience when string.IsNullOrWhiteSpace(Trigger.AudienceKey):
                errors["trigger.audienceKey"] = ["An audience trigger names the audience key."];
                break;
            case JourneyTrigger.TrackEvent when string.IsNullOrWhiteSpace(Trigger.Event):
                errors["trigger.event"] = ["An event trigger names the track event."];
                break;
            case JourneyTrigger.TrackEvent when (Trigger.Filters ?? []).Any(f => f is not { IsValid: true }):
                errors["trigger.filters"] = [$"Each filter has a property, an operator ({string.Join(", ", PropertyFilter.Operators)}) and, except for exists, a value."];
                break;
            case JourneyTrigger.Audience or JourneyTrigger.TrackEvent:
                break;
            default:
                errors["trigger.type"] = ["audience or event."];
                break;
        }
        if (DelaySeconds < 0 || DelaySeconds > 90 * 24 * 3600)
        {
            errors["delaySeconds"] = ["Between 0 and 90 days."];
        }
        if (Coupon is not null && string.IsNullOrWhiteSpace(Coupon.OfferId) == string.IsNullOrWhiteSpace(Coupon.OfferIdProperty))
        {
            errors["coupon"] = ["Give either offerId or offerIdProperty."];
        }
        if (EntryPolicy is { IsValid: false })
        {
            errors["entryPolicy"] = ["once, every_time, or once_per_days with days between 1 and 3650."];
        }
        if (Category is not ("marketing" or "transactional"))
        {
            errors["category"] = ["marketing or transactional."];
        }
        if (string.IsNullOrWhiteSpace(Template) || Template.Length > JourneyValidation.MaxTemplateLength)
        {
            errors["template"] = ["A Liquid template of at most 1600 characters is required."];
        }
        else if (!JourneyTemplate.TryParse(Template, out var error))
        {
            errors["template"] = [$"Not a valid Liquid template: {error}"];
        }
        return errors;
    }
}
