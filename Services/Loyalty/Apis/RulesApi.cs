using Alle.Loyalty.Points;
using Alle.Loyalty.Tiers;
using Alle.Platform.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Alle.Loyalty.Apis;

/// <summary>The earning rules in force (configuration) and promotions that operators add or end at run time.</summary>
internal static class RulesApi
{
    public static void MapRulesApi(this IEndpointRouteBuilder app)
    {
        var rules = app.MapGroup("/api/loyalty/rules").RequireAuthorization(AdminKeyAuthentication.Policy);
        rules.MapGet("/", GetRules);
        rules.MapPost("/promotions", CreatePromotion);
        rules.MapDelete("/promotions/{promotionId:guid}", EndPromotion);
    }

    private static async Task<Ok<RulesResponse>> GetRules(PointsLedger ledger, PromotionCatalog promotions, TierPolicy tiers, CancellationToken cancellationToken)
    {
        var options = ledger.Options;
        return TypedResults.Ok(new RulesResponse(
            options.PendingHold, options.AnnualCap, options.RedemptionStep, options.RedemptionStepValue,
            options.Products.Select(p => new ProductRuleResponse(p.Key, p.Value.Name, p.Value.Category, p.Value.PointsPerVisit, p.Value.PointsPerDollar)).ToList(),
            [.. promotions.Configured.Select(p => PromotionResponse.From(p, "configuration")), .. (await promotions.StoredAsync(cancellationToken)).Select(p => PromotionResponse.From(p, "api"))],
            tiers.All.Select(t => new TierResponse(t.Key, t.Name, t.Threshold, t.Benefits)).ToList()));
    }

    private static async Task<Results<Created<PromotionResponse>, ValidationProblem>> CreatePromotion(
        PromotionRequest request, PromotionCatalog promotions, EarningRules rules, TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = new RequestErrors();
        errors.Require(!string.IsNullOrWhiteSpace(request.Name) && request.Name.Length <= 200, "name", "A name of at most 200 characters is required.");
        errors.Require(request.Multiplier is >= 1 and <= 10, "multiplier", "A multiplier between 1 and 10 is required.");
        errors.Require(request.StartsAt is not null && request.EndsAt is not null && request.EndsAt > request.StartsAt, "endsAt", "A start and an end after it are required.");
        foreach (var product in request.Products ?? [])
        {
            errors.Require(product is not null && rules.IsKnownProduct(product), "products", $"Unknown product '{product}'.");
        }
        if (errors.Any)
        {
            return Problems.Invalid(errors.All);
        }
        var promotion = await promotions.CreateAsync(request.Name!.Trim(), request.Products ?? [], request.Multiplier!.Value, request.StartsAt!.Value, request.EndsAt!.Value,
            clock.GetUtcNow(), cancellationToken);
        return TypedResults.Created($"/api/loyalty/rules/promotions/{promotion.Id}", PromotionResponse.From(promotion, "api"));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> EndPromotion(Guid promotionId, PromotionCatalog promotions, TimeProvider clock, CancellationToken cancellationToken) =>
        await promotions.EndAsync(promotionId, clock.GetUtcNow(), cancellationToken)
            ? TypedResults.NoContent()
            : Problems.NotFound("Promotion", $"Promotion '{promotionId}' does not exist (promotions from configuration are changed there).");
}

internal sealed record ProductRuleResponse(string Product, string Name, string Category, int PointsPerVisit, decimal PointsPerDollar);

internal sealed record PromotionRequest(string? Name, List<string>? Products, decimal? Multiplier, DateTimeOffset? StartsAt, DateTimeOffset? EndsAt);

internal sealed record PromotionResponse(string Id, string Name, IReadOnlyList<string> Products, decimal Multiplier, DateTimeOffset StartsAt, DateTimeOffset EndsAt, string Source)
{
    public static PromotionResponse From(Promotion promotion, string source) =>
        new(promotion.Id, promotion.Name, promotion.Products, promotion.Multiplier, promotion.StartsAt, promotion.EndsAt, source);
}

internal sealed record RulesResponse(TimeSpan PendingHold, int AnnualCap, int RedemptionStep, decimal RedemptionStepValue,
    IReadOnlyList<ProductRuleResponse> Products, IReadOnlyList<PromotionResponse> Promotions, IReadOnlyList<TierResponse> Tiers);
