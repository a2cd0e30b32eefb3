using Alle.Platform.Authorization;
using Alle.Loyalty.Authorization;
using Alle.Loyalty.Offers;
using Alle.Loyalty.Providers;
using Alle.Platform.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Alle.Loyalty.Apis;

/// <summary>
/// Offers (admin), flash offers (admin), the coupon issue API journeys call (admin key), a member's offers and coupons,
/// and coupon redemption at a provider (provider key).
/// </summary>
internal static class OffersApi
{
    public static void MapOffersApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/loyalty").RequirePermission(Permissions.OffersWrite);
        admin.MapPost("/offers", (OfferRequest request, OfferCatalog offers, ProviderDirectory providers, TimeProvider clock, CancellationToken cancellationToken)
            => CreateOffer(OfferKind.Standard, request, offers, providers, clock, cancellationToken))
            .WithSummary("Create an offer").WithTags("Offers");
        admin.MapPost("/flash-offers", (OfferRequest request, OfferCatalog offers, ProviderDirectory providers, TimeProvider clock, CancellationToken cancellationToken)
            => CreateOffer(OfferKind.Flash, request, offers, providers, clock, cancellationToken))
            .WithSummary("Create a flash offer (issued at check-in at its providers)").WithTags("Offers");
        admin.MapGet("/offers", ListOffers).WithSummary("List offers with coupons issued and redeemed");
        admin.MapGet("/offers/{offerId:guid}", GetOffer).WithSummary("One offer");
        admin.MapPost("/offers/{offerId:guid}/deactivate", Deactivate).WithSummary("Deactivate an offer");
        admin.MapPost("/offers/{offerId:guid}/coupons", IssueCoupon).WithSummary("Issue a coupon of an offer to a member");

        var members = app.MapGroup("/api/loyalty/members/{memberId}").RequireAuthorization(LoyaltyAuthorization.MemberOrAdminPolicy);
        members.MapGet("/offers", MemberOffers).WithSummary("Offers available to the member");
        members.MapPost("/offers/{offerId:guid}/coupon", ClaimCoupon).WithSummary("Claim a coupon of an offer");
        members.MapGet("/coupons", MemberCoupons).WithSummary("The member's coupons");

        app.MapPost("/api/loyalty/providers/{providerId}/coupons/{code}/redemption", RedeemCoupon).WithSummary("Redeem a coupon at a provider's desk")
            .RequireAuthorization(LoyaltyAuthorization.ProviderPolicy);
    }

    private static async Task<Results<Created<OfferResponse>, ValidationProblem>> CreateOffer(
        OfferKind kind, OfferRequest request, OfferCatalog offers, ProviderDirectory providers, TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = new RequestErrors();
        errors.Require(!string.IsNullOrWhiteSpace(request.Title) && request.Title.Length <= 200, "title", "A title of at most 200 characters is required.");
        errors.Require(request.Description is null || request.Description.Length <= 2000, "description", "At most 2,000 characters.");
        errors.Require(request.Value is > 0 and <= 10_000, "value", "A value between $0.01 and $10,000 is required.");
        errors.Require(request.EndsAt is not null && request.EndsAt > (request.StartsAt ?? clock.GetUtcNow()), "endsAt", "The offer must end after it starts.");
        errors.Require(request.CouponValidDays is null or (> 0 and <= 365), "couponValidDays", "Between 1 and 365 days.");
        errors.Require(request.Products is null || request.Products.All(product => !string.IsNullOrWhiteSpace(product)), "products", "Products are named, not null or blank.");
        errors.Require(request.AudienceKey is null || (request.AudienceKey.Length is > 0 and <= 200), "audienceKey", "An audience key of at most 200 characters, or none for everyone.");
        var providerIds = request.ProviderIds?.Distinct(StringComparer.Ordinal).ToList() ?? [];
        errors.Require(kind == OfferKind.Standard || providerIds.Count > 0, "providerIds", "A flash offer names the providers where it runs.");
        foreach (var providerId in providerIds)
        {
            errors.Require(await providers.FindAsync(providerId, cancellationToken) is not null, "providerIds", $"Unknown provider '{providerId}'.");
        }
        if (errors.Any)
        {
            return Problems.Invalid(errors.All);
        }

        var offer = await offers.CreateAsync(new OfferDraft(kind, request.Title!.Trim(), request.Description, request.Value!.Value,
            request.Products ?? [], providerIds, request.AudienceKey, request.StartsAt ?? clock.GetUtcNow(), request.EndsAt!.Value,
            request.CouponValidDays ?? (kind == OfferKind.Flash ? 7 : 30)), cancellationToken);
        return TypedResults.Created($"/api/loyalty/offers/{offer.OfferId}", OfferResponse.From(offer));
    }

    private static async Task<Ok<List<OfferListItem>>> ListOffers(OfferCatalog offers, ProviderDirectory providers, CancellationToken cancellationToken)
    {
        var listed = await offers.ListWithCouponCountsAsync(cancellationToken);
        var names = (await providers.FindManyAsync([.. listed.SelectMany(l => l.Offer.ProviderIds).Distinct(StringComparer.Ordinal)], cancellationToken))
            .ToDictionary(p => p.ProviderId, StringComparer.Ordinal);
        return TypedResults.Ok(listed.Select(l => OfferListItem.From(l.Offer, l.Issued, l.Redeemed, names)).ToList());
    }

    private static async Task<Results<Ok<OfferResponse>, ProblemHttpResult>> GetOffer(Guid offerId, OfferCatalog offers, CancellationToken cancellationToken) =>
        await offers.FindAsync(offerId, cancellationToken) is { } offer
            ? TypedResults.Ok(OfferResponse.From(offer))
            : Problems.NotFound("Offer", $"Offer '{offerId}' does not exist.");

    private static async Task<Results<NoContent, ProblemHttpResult>> Deactivate(Guid offerId, OfferCatalog offers, CancellationToken cancellationToken) =>
        await offers.DeactivateAsync(offerId, cancellationToken)
            ? TypedResults.NoContent()
            : Problems.NotFound("Offer", $"Offer '{offerId}' does not exist.");

    /// <summary>The agreed API for journeys: idempotent per (member, offer); refusals are problems.</summary>
    private static async Task<Results<Ok<CouponResponse>, ProblemHttpResult, ValidationProblem>> IssueCoupon(
        Guid offerId, IssueCouponRequest request, Coupons coupons, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.MemberId))
        {
            return Problems.Invalid("memberId", "The member to issue the coupon to is required.");
        }
        return await Issue(offerId, request.MemberId, coupons, cancellationToken);
    }

    /// <summary>A member takes a coupon for a standard offer herself; flash offers come only through a check-in's journey.</summary>
    private static async Task<Results<Ok<CouponResponse>, ProblemHttpResult, ValidationProblem>> ClaimCoupon(
        string memberId, Guid offerId, HttpContext context, Coupons coupons, OfferCatalog offers, CancellationToken cancellationToken)
    {
        if (!context.User.MayActFor(memberId))
        {
            return Problems.NotYourAccount();
        }
        if (await offers.FindAsync(offerId, cancellationToken) is { Kind: OfferKind.Flash })
        {
            return Problems.Conflict("flash-offer-at-check-in", "Flash offers come with a check-in", "This offer is sent to members who check in at its providers.");
        }
        return await Issue(offerId, memberId, coupons, cancellationToken);
    }

    private static async Task<Results<Ok<CouponResponse>, ProblemHttpResult, ValidationProblem>> Issue(Guid offerId, string memberId, Coupons coupons, CancellationToken cancellationToken)
    {
        var (outcome, coupon, offer, eligibility) = await coupons.IssueAsync(offerId, memberId, cancellationToken);
        return outcome switch
        {
            IssueOutcome.Issued or IssueOutcome.AlreadyIssued => TypedResults.Ok(CouponResponse.From(coupon!, offer)),
            IssueOutcome.UnknownOffer => Problems.NotFound("Offer", $"Offer '{offerId}' does not exist."),
            IssueOutcome.UnknownMember => Problems.NotFound("Member", $"Member '{memberId}' does not exist."),
            _ => eligibility switch
            {
                OfferEligibility.NotInAudience => Problems.Conflict("member-not-eligible", "Member not eligible", "The offer is for an audience the member is not in."),
                OfferEligibility.NotStarted => Problems.Conflict("offer-inactive", "Offer not started", $"The offer starts at {offer!.StartsAt:O}."),
                OfferEligibility.Ended => Problems.Conflict("offer-inactive", "Offer ended", $"The offer ended at {offer!.EndsAt:O}."),
                _ => Problems.Conflict("offer-inactive", "Offer inactive", "The offer was deactivated."),
            },
        };
    }

    private static async Task<Results<Ok<List<MemberOfferResponse>>, ProblemHttpResult>> MemberOffers(
        string memberId, HttpContext context, OfferCatalog offers, Coupons coupons, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (!context.User.MayActFor(memberId))
        {
            return Problems.NotYourAccount();
        }
        var now = clock.GetUtcNow();
        var audiences = await offers.AudiencesOfAsync(memberId, cancellationToken);
        var held = (await coupons.ForMemberAsync(memberId, cancellationToken)).ToDictionary(c => c.OfferId);
        var visible = (await offers.RunningAsync(now, cancellationToken))
            .Where(offer => offer.EligibilityFor(audiences, now) == OfferEligibility.Eligible)
            .Select(offer => new MemberOfferResponse(OfferResponse.From(offer), held.TryGetValue(offer.OfferId, out var coupon) ? CouponResponse.From(coupon, offer) : null))
            .ToList();
        return TypedResults.Ok(visible);
    }

    /// <summary>Her coupons, each with its offer's title and kind and the providers where it is valid (all, for a standard offer).</summary>
    private static async Task<Results<Ok<List<CouponResponse>>, ProblemHttpResult>> MemberCoupons(
        string memberId, HttpContext context, Coupons coupons, ProviderDirectory providers, CancellationToken cancellationToken)
    {
        if (!context.User.MayActFor(memberId))
        {
            return Problems.NotYourAccount();
        }
        var held = await coupons.WithOffersForMemberAsync(memberId, cancellationToken);
        var names = (await providers.FindManyAsync([.. held.SelectMany(h => h.Offer.ProviderIds).Distinct(StringComparer.Ordinal)], cancellationToken))
            .ToDictionary(p => p.ProviderId, StringComparer.Ordinal);
        return TypedResults.Ok(held.Select(h => CouponResponse.From(h.Coupon, h.Offer, names)).ToList());
    }

    private static async Task<Results<Ok<CouponResponse>, ProblemHttpResult, ValidationProblem>> RedeemCoupon(
        string providerId, string code, CouponRedemptionRequest request, Coupons coupons, ProviderDirectory providers, CancellationToken cancellationToken)
    {
        if (CouponCode.Normalize(code) is not { } canonical)
        {
            return Problems.Invalid("code", "This is not a valid coupon code: check it for typing mistakes.");
        }
        if (string.IsNullOrWhiteSpace(request.MemberId))
        {
            return Problems.Invalid("memberId", "The member presenting the coupon is required.");
        }
        if (await providers.FindAsync(providerId, cancellationToken) is null)
        {
            return Problems.NotFound("Provider", $"Provider '{providerId}' does not exist.");
        }

        var (outcome, coupon) = await coupons.RedeemAsync(canonical, request.MemberId, providerId, cancellationToken);
        return outcome switch
        {
            RedeemOutcome.Redeemed => TypedResults.Ok(CouponResponse.From(coupon!, null)),
            RedeemOutcome.UnknownCode => Problems.NotFound("Coupon", "No coupon has this code."),
            RedeemOutcome.OtherMembersCoupon => Problems.Conflict("coupon-other-member", "Coupon belongs to another member", "This coupon was issued to a different member and cannot be used by this one."),
            RedeemOutcome.AlreadyRedeemed => Problems.Conflict("coupon-already-redeemed", "Coupon already redeemed", $"This coupon was redeemed at {coupon!.RedeemedAt:O}."),
            RedeemOutcome.Expired => Problems.Gone("coupon-expired", "Coupon expired", $"This coupon expired at {coupon!.ExpiresAt:O}."),
            _ => Problems.Conflict("coupon-not-at-this-provider", "Coupon not valid at this provider", "This offer can only be redeemed at the providers it names."),
        };
    }
}

internal sealed record OfferRequest(
    string? Title, string? Description, decimal? Value, List<string>? Products, List<string>? ProviderIds, string? AudienceKey,
    DateTimeOffset? StartsAt, DateTimeOffset? EndsAt, int? CouponValidDays);

internal sealed record OfferResponse(
    Guid OfferId, string Kind, string Title, string? Description, decimal Value, IReadOnlyList<string> Products, IReadOnlyList<string> ProviderIds,
    string Eligibility, string? AudienceKey, DateTimeOffset StartsAt, DateTimeOffset EndsAt, int CouponValidDays, bool Active)
{
    public static OfferResponse From(Offer offer) => new(offer.OfferId, offer.Kind == OfferKind.Flash ? "flash" : "standard", offer.Title, offer.Description,
        offer.Value, offer.Products, offer.ProviderIds, offer.AudienceKey is null ? "everyone" : "audience", offer.AudienceKey,
        offer.StartsAt, offer.EndsAt, offer.CouponValidDays, offer.Active);
}

/// <summary>An offer as operators list it: with its coupons issued and redeemed and the names of the providers it names.</summary>
internal sealed record OfferListItem(
    Guid OfferId, string Kind, string Title, string? Description, decimal Value, IReadOnlyList<string> Products, IReadOnlyList<string> ProviderIds,
    string Eligibility, string? AudienceKey, DateTimeOffset StartsAt, DateTimeOffset EndsAt, int CouponValidDays, bool Active,
    long CouponsIssued, long CouponsRedeemed, IReadOnlyList<ValidProvider> Providers)
{
    public static OfferListItem From(Offer offer, long issued, long redeemed, IReadOnlyDictionary<string, Provider> providers)
    {
        var o = OfferResponse.From(offer);
        return new(o.OfferId, o.Kind, o.Title, o.Description, o.Value, o.Products, o.ProviderIds, o.Eligibility, o.AudienceKey, o.StartsAt, o.EndsAt,
            o.CouponValidDays, o.Active, issued, redeemed,
            [.. offer.ProviderIds.Select(id => providers.GetValueOrDefault(id) is { } p ? new ValidProvider(p.ProviderId, p.Name, p.City, p.State) : new ValidProvider(id, id, null, null))]);
    }
}

internal sealed record IssueCouponRequest(string? MemberId);

internal sealed record CouponRedemptionRequest(string? MemberId);

/// <param name="ValidAt">Where a flash offer's coupon can be used; empty when any participating provider takes it.</param>
internal sealed record CouponResponse(string Code, Guid OfferId, string MemberId, decimal Value, DateTimeOffset ExpiresAt, DateTimeOffset IssuedAt,
    DateTimeOffset? RedeemedAt, string? RedeemedProviderId, string? OfferTitle, string? Kind = null, string? OfferDescription = null,
    IReadOnlyList<ValidProvider>? ValidAt = null)
{
    public static CouponResponse From(Coupon coupon, Offer? offer, IReadOnlyDictionary<string, Provider>? providers = null) => new(coupon.Code, coupon.OfferId,
        coupon.MemberId, coupon.Value, coupon.ExpiresAt, coupon.IssuedAt, coupon.RedeemedAt, coupon.RedeemedProviderId, offer?.Title,
        offer is null ? null : offer.Kind == OfferKind.Flash ? "flash" : "standard", offer?.Description,
        offer is null ? null : [.. offer.ProviderIds.Select(id => providers?.GetValueOrDefault(id) is { } p
            ? new ValidProvider(p.ProviderId, p.Name, p.City, p.State)
            : new ValidProvider(id, id, null, null))]);
}

internal sealed record ValidProvider(string ProviderId, string Name, string? City, string? State);

internal sealed record MemberOfferResponse(OfferResponse Offer, CouponResponse? Coupon);
