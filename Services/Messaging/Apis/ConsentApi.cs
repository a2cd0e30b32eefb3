using Alle.Platform.Authorization;
using System.Security.Claims;
using Alle.Messaging.Consent;
using Alle.Messaging.Extensions;
using Alle.Messaging.Integrations;
using Alle.Messaging.Sending;
using Alle.Messaging.Twilio;
using Alle.Messaging.Verification;
using Alle.Platform.Authentication;
using Alle.Platform.Identifiers;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Alle.Messaging.Apis;

/// <summary>
/// Consent: operators read and change it by phone number (admin key); a signed-in member reads and changes her own
/// marketing preference (member token; her phone comes from her enrolment or Profiles). Every change lands in the audit trail.
/// </summary>
internal static class ConsentApi
{
    public static void MapConsentApi(this IEndpointRouteBuilder app)
    {
        var consent = app.MapGroup("/api/messaging/consent").RequirePermission(Permissions.MembersWrite);
        consent.MapGet("/{phone}", GetByPhone).WithSummary("Consent of a phone number, by category, with its evidence");
        consent.MapPut("/{phone}", SetByPhone).WithSummary("Record consent (opt-in or opt-out) for a phone number, with its evidence");

        var preferences = app.MapGroup("/api/messaging/preferences").RequireAuthorization(MemberTokens.Policy);
        preferences.MapGet("/", GetOwn).WithSummary("The signed-in member's texting preferences");
        preferences.MapPut("/", SetOwn).WithSummary("Change the signed-in member's texting preferences");
    }

    private static async Task<Results<Ok<ConsentView>, ValidationProblem>> GetByPhone(string phone, ConsentStore store, PhoneNumberNormalizer phones,
        CancellationToken cancellationToken)
    {
        if (phones.ToE164(phone) is not { } normalized)
        {
            return InvalidPhone();
        }
        var (current, audit) = await store.ReadAsync(normalized, cancellationToken);
        var state = await store.GetStateAsync(normalized, cancellationToken);
        return TypedResults.Ok(new ConsentView(normalized, current, audit, state.Suppressed, CodeDelivery.Stopped(state)));
    }

    private static async Task<Results<Ok<ConsentView>, ValidationProblem>> SetByPhone(string phone, SetConsentRequest? request, ConsentStore store,
        PhoneNumberNormalizer phones, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (phones.ToE164(phone) is not { } normalized)
        {
            return InvalidPhone();
        }
        var errors = new Dictionary<string, string[]>();
        if (!ConsentCategory.IsKnown(request?.Category))
        {
            errors["category"] = ["transactional or marketing."];
        }
        if (request?.Subscribed is null)
        {
            errors["subscribed"] = ["true or false."];
        }
        if (string.IsNullOrWhiteSpace(request?.Source) || request.Source.Length > 100)
        {
            errors["source"] = ["Where the consent was given or withdrawn, e.g. console, support call."];
        }
        if (request?.Evidence is { Length: > 2000 })
        {
            errors["evidence"] = ["At most 2000 characters."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        await store.ApplyAsync([new ConsentChange(normalized, request!.Category!, request.Subscribed!.Value, request.Source!, request.Evidence, clock.GetUtcNow())],
            cancellationToken);
        return await GetByPhone(normalized, store, phones, cancellationToken);
    }

    private static async Task<Results<Ok<PreferencesView>, ProblemHttpResult>> GetOwn(ClaimsPrincipal user, MemberPhones memberPhones,
        ProfilesClient profiles, ConsentStore store, IOptions<MessagingOptions> options, IOptions<TwilioOptions> twilio,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        var memberId = user.MemberId()!;
        if (await memberPhones.FindAsync(memberId, cancellationToken) is not { } phone)
        {
            return NoPhone();
        }
        return TypedResults.Ok(await ViewAsync(memberId, phone, profiles, store, options.Value, twilio.Value, clock, cancellationToken));
    }

    private static async Task<Results<Ok<PreferencesView>, ValidationProblem, ProblemHttpResult>> SetOwn(SetPreferencesRequest? request, ClaimsPrincipal user,
        MemberPhones memberPhones, ProfilesClient profiles, ConsentStore store, IOptions<MessagingOptions> options, IOptions<TwilioOptions> twilio,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        if (request?.Marketing is null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["marketing"] = ["true or false."] });
        }
        if (request.Evidence is { Length: > 2000 })
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["evidence"] = ["At most 2000 characters."] });
        }
        var memberId = user.MemberId()!;
        if (await memberPhones.FindAsync(memberId, cancellationToken) is not { } phone)
        {
            return NoPhone();
        }
        // Asking for offers while every text is stopped would record a wish nothing can honour: START comes first.
        if (request.Marketing.Value && CodeDelivery.Stopped(await store.GetStateAsync(phone, cancellationToken)))
        {
            return TypedResults.Problem(statusCode: 409, title: "Texts to this number are stopped", type: "urn:alle:messaging:texts-stopped",
                detail: "Text START to the program's number first; then offers by text can be turned on.",
                extensions: new Dictionary<string, object?> { ["programNumber"] = twilio.Value.From });
        }
        await store.ApplyAsync([new ConsentChange(phone, ConsentCategory.Marketing, request.Marketing.Value, "portal",
            request.Evidence ?? $"Member {memberId} changed marketing preference in the portal", clock.GetUtcNow())], cancellationToken);
        return TypedResults.Ok(await ViewAsync(memberId, phone, profiles, store, options.Value, twilio.Value, clock, cancellationToken));
    }

    /// <summary>
    /// One consistent state: while texts are stopped nothing is on, whatever the categories say; when offers are on, the
    /// moment an offer texted now would reach her (quiet hours in her time zone).
    /// </summary>
    private static async Task<PreferencesView> ViewAsync(string memberId, string phone, ProfilesClient profiles, ConsentStore store, MessagingOptions options,
        TwilioOptions twilio, TimeProvider clock, CancellationToken cancellationToken)
    {
        var state = await store.GetStateAsync(phone, cancellationToken);
        var stopped = CodeDelivery.Stopped(state);
        var marketing = !stopped && state.Marketing == true;
        string? zoneTrait = null;
        try
        {
            zoneTrait = (await profiles.FindByUserIdAsync(memberId, cancellationToken))?.Trait("timezone");
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
        {
        }
        var zone = RecipientTimeZone.Resolve(zoneTrait, options.TimeZone);
        var quietHours = new QuietHours(options.QuietHoursStart, options.QuietHoursEnd);
        return new PreferencesView(PhoneNumberMask.Of(phone), marketing, !stopped, stopped, twilio.From, zone.Id,
            options.QuietHoursStart, options.QuietHoursEnd, marketing ? quietHours.NextAllowed(clock.GetUtcNow(), zone) : null);
    }

    private static ValidationProblem InvalidPhone() =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["phone"] = ["Not a phone number (E.164, e.g. +15555550100)."] });

    private static ProblemHttpResult NoPhone() =>
        TypedResults.Problem(statusCode: 404, title: "No phone number on file", detail: "We have no phone number for this member.");

    /// <param name="TextsStopped">Nothing is texted to the number (it opted out of everything, or is suppressed): START first.</param>
    internal sealed record ConsentView(string Phone, IReadOnlyList<ConsentRecord> Consents, IReadOnlyList<ConsentAuditEntry> Audit, bool Suppressed, bool TextsStopped);

    internal sealed record SetConsentRequest(string? Category, bool? Subscribed, string? Source, string? Evidence);

    internal sealed record SetPreferencesRequest(bool? Marketing, string? Evidence);

    /// <param name="Stopped">Texts to her number are stopped: she must text START to <paramref name="ProgramNumber"/>.</param>
    /// <param name="MarketingTextsAt">When an offer texted now would reach her (quiet hours end); null while offers by text are off.</param>
    internal sealed record PreferencesView(string Phone, bool Marketing, bool Transactional, bool Stopped, string? ProgramNumber, string TimeZone,
        TimeOnly QuietHoursStart, TimeOnly QuietHoursEnd, DateTimeOffset? MarketingTextsAt);
}
