using Alle.Platform.Authorization;
using Alle.Loyalty.Authorization;
using Alle.Loyalty.Members;
using Alle.Platform.Authentication;
using Alle.Platform.Identifiers;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Alle.Loyalty.Apis;

/// <summary>Enrolment (called by the portal after it verified the phone), look-up by phone, and a member's own record.</summary>
internal static class MembersApi
{
    public static void MapMembersApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/loyalty/members").RequirePermission(Permissions.MembersWrite);
        admin.MapPost("/", Enrol).WithSummary("Enrol a member");
        admin.MapGet("/lookup", Lookup).WithSummary("Find a member by phone");

        var members = app.MapGroup("/api/loyalty/members").RequireAuthorization(LoyaltyAuthorization.MemberOrAdminPolicy);
        members.MapGet("/{memberId}", GetMember).WithSummary("A member's account: details, points, tier");
        members.MapPatch("/{memberId}", UpdateDetails).WithSummary("Change a member's details");
        members.MapGet("/{memberId}/export", Export).WithSummary("Everything Loyalty holds about a member (access request)");
    }

    /// <summary>Her access request: everything Loyalty holds about her.</summary>
    private static async Task<Results<Ok<Privacy.LoyaltyExport>, ProblemHttpResult>> Export(string memberId, HttpContext context, Privacy.PersonalDataExport export,
        CancellationToken cancellationToken)
    {
        if (!context.User.MayActFor(memberId))
        {
            return Problems.NotYourAccount();
        }
        return await export.ExportAsync(memberId, cancellationToken) is { } found
            ? TypedResults.Ok(found)
            : Problems.NotFound("Member", $"Member '{memberId}' does not exist.");
    }

    private static async Task<Results<Created<EnrolmentResponse>, Ok<EnrolmentResponse>, ValidationProblem>> Enrol(
        EnrolmentRequest request, MemberEnrolment enrolment, MemberTokens tokens, PhoneNumberNormalizer phones, IOptions<LoyaltyOptions> options, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var errors = new RequestErrors();
        var phone = phones.ToE164(request.Phone);
        var email = EmailNormalizer.Normalize(request.Email);
        errors.Require(phone is not null, "phone", $"A phone number in E.164 or {phones.DefaultRegion} national format is required.");
        errors.Require(!string.IsNullOrWhiteSpace(request.FirstName) && request.FirstName.Length <= 100, "firstName", "A first name of at most 100 characters is required.");
        errors.Require(!string.IsNullOrWhiteSpace(request.LastName) && request.LastName.Length <= 100, "lastName", "A last name of at most 100 characters is required.");
        errors.Require(request.Email is null || email is not null, "email", "Not an e-mail address.");
        errors.Require(request.Zip is null || System.Text.RegularExpressions.Regex.IsMatch(request.Zip, "^[0-9]{5}$"), "zip", "A US zip code has five digits.");
        errors.Require(request.Birthday is null || (request.Birthday > new DateOnly(1900, 1, 1) && request.Birthday < DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime.AddYears(-18))),
            "birthday", "Members must be at least 18 years old.");
        errors.Require(request.MarketingConsent is not null, "marketingConsent", "The member's marketing consent choice (true or false) is required.");
        errors.Require(request.ConsentWording is null || request.ConsentWording.Length <= 2000, "consentWording", "At most 2,000 characters.");
        errors.Require(request.Source is null or "portal" or "mobile" or "provider", "source", "One of portal, mobile, provider.");
        if (errors.Any)
        {
            return Problems.Invalid(errors.All);
        }

        var (outcome, member) = await enrolment.EnrolAsync(new Enrolment(
            phone!, request.FirstName!.Trim(), request.LastName!.Trim(), email, request.Birthday, request.Zip,
            request.TransactionalConsent ?? true, request.MarketingConsent!.Value,
            string.IsNullOrWhiteSpace(request.ConsentWording) ? enrolment.DefaultConsentWording : request.ConsentWording,
            request.Source ?? "portal"), cancellationToken);

        var response = new EnrolmentResponse(member.MemberId, member.Status, outcome == EnrolmentOutcome.Claimed, outcome == EnrolmentOutcome.AlreadyEnrolled,
            tokens.Create(member.MemberId, options.Value.Members.TokenLifetime), member.Tier);
        return outcome == EnrolmentOutcome.AlreadyEnrolled
            ? TypedResults.Ok(response)
            : TypedResults.Created($"/api/loyalty/members/{member.MemberId}", response);
    }

    private static async Task<Results<Ok<MemberResponse>, ProblemHttpResult, ValidationProblem>> Lookup(string? phone, MemberEnrolment enrolment,
        PhoneNumberNormalizer phones, CancellationToken cancellationToken)
    {
        if (phones.ToE164(phone) is not { } e164)
        {
            return Problems.Invalid("phone", "A phone number is required.");
        }
        return await enrolment.FindByPhoneAsync(e164, cancellationToken) is { } member
            ? TypedResults.Ok(MemberResponse.From(member))
            : Problems.NotFound("Member", "No member has this phone number.");
    }

    /// <summary>The member changes her own details (name, e-mail, birth date, zip); members left out stay as they are, "" clears an optional one.</summary>
    private static async Task<Results<Ok<MemberResponse>, ProblemHttpResult, ValidationProblem>> UpdateDetails(
        string memberId, DetailsRequest request, HttpContext context, MemberEnrolment enrolment, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (!context.User.MayActFor(memberId))
        {
            return Problems.NotYourAccount();
        }
        var errors = new RequestErrors();
        errors.Require(request.FirstName is null || (!string.IsNullOrWhiteSpace(request.FirstName) && request.FirstName.Length <= 100), "firstName", "A first name of at most 100 characters.");
        errors.Require(request.LastName is null || (!string.IsNullOrWhiteSpace(request.LastName) && request.LastName.Length <= 100), "lastName", "A last name of at most 100 characters.");
        // "" clears the e-mail; anything else must be one.
        var email = request.Email is "" ? "" : EmailNormalizer.Normalize(request.Email);
        errors.Require(request.Email is null || email is not null, "email", "Not an e-mail address.");
        errors.Require(string.IsNullOrEmpty(request.Zip) || System.Text.RegularExpressions.Regex.IsMatch(request.Zip, "^[0-9]{5}$"), "zip", "A US zip code has five digits.");
        errors.Require(request.Birthday is null || (request.Birthday > new DateOnly(1900, 1, 1) && request.Birthday < DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime.AddYears(-18))),
            "birthday", "Members must be at least 18 years old.");
        if (errors.Any)
        {
            return Problems.Invalid(errors.All);
        }
        var details = new MemberDetails(request.FirstName?.Trim(), request.LastName?.Trim(), email, request.Birthday, request.Zip);
        return await enrolment.UpdateDetailsAsync(memberId, details, cancellationToken) is { } member
            ? TypedResults.Ok(MemberResponse.From(member))
            : Problems.NotFound("Member", $"Member '{memberId}' does not exist.");
    }

    private static async Task<Results<Ok<MemberResponse>, ProblemHttpResult>> GetMember(
        string memberId, HttpContext context, MemberEnrolment enrolment, CancellationToken cancellationToken)
    {
        if (!context.User.MayActFor(memberId))
        {
            return Problems.NotYourAccount();
        }
        return await enrolment.FindAsync(memberId, cancellationToken) is { } member
            ? TypedResults.Ok(MemberResponse.From(member))
            : Problems.NotFound("Member", $"Member '{memberId}' does not exist.");
    }
}

internal sealed record DetailsRequest(string? FirstName, string? LastName, string? Email, DateOnly? Birthday, string? Zip);

internal sealed record EnrolmentRequest(
    string? Phone, string? FirstName, string? LastName, string? Email, DateOnly? Birthday, string? Zip,
    bool? MarketingConsent, bool? TransactionalConsent, string? ConsentWording, string? Source);

/// <param name="Token">A member token (<c>mt1.…</c>) for the portal to act on the member's behalf.</param>
internal sealed record EnrolmentResponse(string MemberId, string Status, bool ClaimedPreRegistration, bool AlreadyEnrolled, string Token, string Tier);

internal sealed record MemberResponse(
    string MemberId, string Status, string Phone, string? FirstName, string? LastName, string? Email, DateOnly? Birthday, string? Zip,
    bool TransactionalConsent, bool MarketingConsent, string Tier, DateTimeOffset CreatedAt, DateTimeOffset? EnrolledAt)
{
    public static MemberResponse From(Member member) => new(member.MemberId, member.Status, member.Phone, member.FirstName, member.LastName,
        member.Email, member.Birthday, member.Zip, member.TransactionalConsent, member.MarketingConsent, member.Tier, member.CreatedAt, member.EnrolledAt);
}
