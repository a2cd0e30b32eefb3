using Alle.Platform.Authorization;
using Alle.Loyalty.Authorization;
using Alle.Loyalty.Points;
using Alle.Loyalty.Providers;
using Alle.Loyalty.Tiers;
using Alle.Platform.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Alle.Loyalty.Apis;

/// <summary>Points: a member's balance, history and redemptions; a provider's purchases and refunds.</summary>
internal static class PointsApi
{
    public static void MapPointsApi(this IEndpointRouteBuilder app)
    {
        var members = app.MapGroup("/api/loyalty/members/{memberId}").RequireAuthorization(LoyaltyAuthorization.MemberOrAdminPolicy);
        members.MapGet("/points", GetBalance).WithSummary("The member's points balance and tier");
        members.MapGet("/points/history", GetHistory).WithSummary("The member's points ledger");
        members.MapPost("/redemptions", Redeem).WithSummary("Redeem points for a reward");

        app.MapPost("/api/loyalty/members/{memberId}/adjustments", Adjust).WithSummary("Adjust a member's points (operator correction)").RequirePermission(Permissions.MembersWrite);

        var providers = app.MapGroup("/api/loyalty/providers/{providerId}/purchases").RequireAuthorization(LoyaltyAuthorization.ProviderPolicy);
        providers.MapPost("/", RecordPurchase).WithSummary("Record a purchase at a provider (earns points)");
        providers.MapPost("/{purchaseId}/refund", Refund).WithSummary("Refund a purchase (takes its points back)");
    }

    private static async Task<Results<Ok<BalanceResponse>, ProblemHttpResult>> GetBalance(
        string memberId, HttpContext context, PointsLedger ledger, TierPolicy tiers, Members.MemberEnrolment members, CancellationToken cancellationToken)
    {
        if (!context.User.MayActFor(memberId))
        {
            return Problems.NotYourAccount();
        }
        if (await members.FindAsync(memberId, cancellationToken) is not { } member)
        {
            return Problems.NotFound("Member", $"Member '{memberId}' does not exist.");
        }
        var (balance, pending) = await ledger.BalanceAsync(memberId, cancellationToken);
        var tier = tiers.Find(member.Tier) ?? tiers.Base;
        var next = tiers.Next(balance.EarnedInRollingYear);
        return TypedResults.Ok(new BalanceResponse(
            memberId, balance.Available, balance.Pending, ledger.ValueOf(balance.Available - balance.Available % ledger.Options.RedemptionStep),
            balance.EarnedInRollingYear,
            new TierResponse(tier.Key, tier.Name, tier.Threshold, tier.Benefits),
            next is null ? null : new NextTierResponse(next.Key, next.Name, next.Threshold - balance.EarnedInRollingYear),
            pending.GroupBy(e => e.AvailableAt).OrderBy(g => g.Key).Select(g => new PendingPoints(g.Sum(e => e.Points), g.Key)).Where(p => p.Points != 0).ToList()));
    }

    private static async Task<Results<Ok<HistoryResponse>, ProblemHttpResult>> GetHistory(
        string memberId, HttpContext context, PointsLedger ledger, CancellationToken cancellationToken, int limit = 50)
    {
        if (!context.User.MayActFor(memberId))
        {
            return Problems.NotYourAccount();
        }
        return TypedResults.Ok(new HistoryResponse(await ledger.HistoryAsync(memberId, Math.Clamp(limit, 1, 500), cancellationToken)));
    }

    private static async Task<Results<Created<RedemptionResponse>, Ok<RedemptionResponse>, ProblemHttpResult, ValidationProblem>> Redeem(
        string memberId, RedemptionRequest request, HttpContext context, PointsLedger ledger, ProviderDirectory providers, CancellationToken cancellationToken)
    {
        if (!context.User.MayActFor(memberId))
        {
            return Problems.NotYourAccount();
        }
        var errors = new RequestErrors();
        errors.Require(IsIdentifier(request.RedemptionId), "redemptionId", "A client-chosen id (1-100 letters, digits, '-', '_', '.', ':') makes the redemption safe to retry.");
        errors.Require(request.Points is > 0, "points", "A positive number of points is required.");
        errors.Require(!string.IsNullOrWhiteSpace(request.ProviderId), "providerId", "The provider where the points are used is required.");
        if (errors.Any)
        {
            return Problems.Invalid(errors.All);
        }
        if (await providers.FindAsync(request.ProviderId!, cancellationToken) is null)
        {
            return Problems.NotFound("Provider", $"Provider '{request.ProviderId}' does not exist.");
        }

        var (outcome, receipt) = await ledger.RedeemAsync(memberId, request.RedemptionId!, request.Points!.Value, request.ProviderId!, cancellationToken);
        return outcome switch
        {
            RedemptionOutcome.Redeemed => TypedResults.Created($"/api/loyalty/members/{memberId}/points/history", RedemptionResponse.From(receipt!)),
            RedemptionOutcome.Replayed => TypedResults.Ok(RedemptionResponse.From(receipt!)),
            RedemptionOutcome.UnknownMember => Problems.NotFound("Member", $"Member '{memberId}' does not exist."),
            RedemptionOutcome.NotAMultipleOfStep => Problems.Invalid("points", $"Points are redeemed in steps of {ledger.Options.RedemptionStep} (${ledger.Options.RedemptionStepValue:0} each)."),
            RedemptionOutcome.InsufficientPoints => Problems.Conflict("insufficient-points", "Not enough available points",
                $"{request.Points} points requested, {receipt!.AvailableAfter} available (pending points can be used once their hold ends)."),
            _ => Problems.Conflict("redemption-id-taken", "Redemption id already used", "This redemption id was used for a different redemption."),
        };
    }

    private static async Task<Results<Created<PurchaseResponse>, Ok<PurchaseResponse>, ProblemHttpResult, ValidationProblem>> RecordPurchase(
        string providerId, PurchaseRequest request, PointsLedger ledger, EarningRules rules, ProviderDirectory providers, TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = new RequestErrors();
        errors.Require(IsIdentifier(request.PurchaseId), "purchaseId", "The provider's purchase id (1-100 letters, digits, '-', '_', '.', ':') is required: it makes recording idempotent.");
        errors.Require(!string.IsNullOrWhiteSpace(request.MemberId), "memberId", "The member is required.");
        errors.Require(request.Treatments is { Count: > 0 and <= 50 }, "treatments", "Between 1 and 50 treatments are required.");
        foreach (var (treatment, index) in (request.Treatments ?? []).Select((t, i) => (t, i)))
        {
            errors.Require(treatment is not null && treatment.Product is not null && rules.IsKnownProduct(treatment.Product), $"treatments[{index}].product",
                $"Unknown product; known products: {string.Join(", ", ledger.Options.Products.Keys)}.");
            errors.Require(treatment?.Amount is >= 0 and <= 1_000_000, $"treatments[{index}].amount", "An amount between 0 and 1,000,000 dollars is required.");
        }
        var now = clock.GetUtcNow();
        errors.Require(request.PurchasedAt is null || (request.PurchasedAt <= now.AddMinutes(5) && request.PurchasedAt >= now.AddDays(-30)),
            "purchasedAt", "A purchase is recorded within 30 days and cannot be in the future.");
        if (errors.Any)
        {
            return Problems.Invalid(errors.All);
        }
        if (await providers.FindAsync(providerId, cancellationToken) is null)
        {
            return Problems.NotFound("Provider", $"Provider '{providerId}' does not exist.");
        }

        var command = new PurchaseCommand(request.PurchaseId!, providerId, request.MemberId!,
            request.Treatments!.Select(t => new Treatment(t!.Product!, t.Amount!.Value)).ToList(), request.PurchasedAt);
        var (outcome, receipt) = await ledger.RecordPurchaseAsync(command, cancellationToken);
        return outcome switch
        {
            PurchaseOutcome.Recorded => TypedResults.Created($"/api/loyalty/providers/{providerId}/purchases/{receipt!.PurchaseId}", PurchaseResponse.From(receipt, now)),
            PurchaseOutcome.Replayed => TypedResults.Ok(PurchaseResponse.From(receipt!, now)),
            PurchaseOutcome.UnknownMember => Problems.NotFound("Member", $"Member '{request.MemberId}' does not exist."),
            _ => Problems.Conflict("purchase-id-taken", "Purchase id already used", "A different purchase was already recorded with this id; nothing was changed."),
        };
    }

    private static async Task<Results<Ok<RefundReceipt>, ProblemHttpResult>> Refund(string providerId, string purchaseId, PointsLedger ledger, CancellationToken cancellationToken)
    {
        var (outcome, receipt) = await ledger.RefundAsync(providerId, purchaseId, cancellationToken);
        return outcome == RefundOutcome.UnknownPurchase
            ? Problems.NotFound("Purchase", $"Provider '{providerId}' recorded no purchase '{purchaseId}'.")
            : TypedResults.Ok(receipt!);
    }

    private static async Task<Results<Created<AdjustmentResponse>, Ok<AdjustmentResponse>, ProblemHttpResult, ValidationProblem>> Adjust(
        string memberId, AdjustmentRequest request, PointsLedger ledger, CancellationToken cancellationToken)
    {
        var errors = new RequestErrors();
        errors.Require(IsIdentifier(request.AdjustmentId), "adjustmentId", "A client-chosen id (1-100 letters, digits, '-', '_', '.', ':') makes the adjustment safe to retry.");
        errors.Require(request.Points is not null and not 0 and >= -100_000 and <= 100_000, "points", "A non-zero number of points between -100,000 and 100,000.");
        errors.Require(!string.IsNullOrWhiteSpace(request.Reason) && request.Reason.Length <= 500, "reason", "A reason of at most 500 characters is required.");
        if (errors.Any)
        {
            return Problems.Invalid(errors.All);
        }
        var (outcome, available) = await ledger.AdjustAsync(memberId, request.AdjustmentId!, request.Points!.Value, request.Reason!.Trim(), cancellationToken);
        var response = new AdjustmentResponse(request.AdjustmentId!, memberId, request.Points.Value, available);
        return outcome switch
        {
            AdjustmentOutcome.Adjusted => TypedResults.Created($"/api/loyalty/members/{memberId}/points/history", response),
            AdjustmentOutcome.Replayed => TypedResults.Ok(response),
            AdjustmentOutcome.UnknownMember => Problems.NotFound("Member", $"Member '{memberId}' does not exist."),
            AdjustmentOutcome.WouldGoNegative => Problems.Conflict("insufficient-points", "Not enough available points", $"Only {available} points are available to take back."),
            _ => Problems.Conflict("adjustment-id-taken", "Adjustment id already used", "This adjustment id was used for a different adjustment."),
        };
    }

    internal static bool IsIdentifier(string? value) =>
        value is { Length: > 0 and <= 100 } && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':');
}

internal sealed record TreatmentRequest(string? Product, decimal? Amount);

internal sealed record PurchaseRequest(string? PurchaseId, string? MemberId, List<TreatmentRequest?>? Treatments, DateTimeOffset? PurchasedAt);

internal sealed record PurchaseResponse(
    string PurchaseId, string MemberId, string ProviderId, decimal Amount, int Points, int BasePoints, int PointsOverCap, string Status,
    DateTimeOffset AvailableAt, IReadOnlyList<EarningLine> Lines, DateTimeOffset RecordedAt)
{
    public static PurchaseResponse From(PurchaseReceipt receipt, DateTimeOffset now) => new(receipt.PurchaseId, receipt.MemberId, receipt.ProviderId,
        receipt.Amount, receipt.Points, receipt.BasePoints, receipt.PointsOverCap, receipt.AvailableAt > now ? "pending" : "available",
        receipt.AvailableAt, receipt.Lines, receipt.RecordedAt);
}

internal sealed record AdjustmentRequest(string? AdjustmentId, int? Points, string? Reason);

internal sealed record AdjustmentResponse(string AdjustmentId, string MemberId, int Points, int PointsAvailable);

internal sealed record RedemptionRequest(string? RedemptionId, int? Points, string? ProviderId);

internal sealed record RedemptionResponse(string RedemptionId, string MemberId, string ProviderId, int Points, decimal Value, DateTimeOffset RedeemedAt, int PointsAvailable)
{
    public static RedemptionResponse From(RedemptionReceipt receipt) =>
        new(receipt.RedemptionId, receipt.MemberId, receipt.ProviderId, receipt.Points, receipt.Value, receipt.RedeemedAt, receipt.AvailableAfter);
}

internal sealed record TierResponse(string Key, string Name, int Threshold, IReadOnlyList<string> Benefits);

internal sealed record NextTierResponse(string Key, string Name, int PointsNeeded);

internal sealed record PendingPoints(int Points, DateTimeOffset AvailableAt);

internal sealed record BalanceResponse(string MemberId, int Available, int Pending, decimal AvailableValue, int PointsEarned12Months,
    TierResponse Tier, NextTierResponse? NextTier, IReadOnlyList<PendingPoints> PendingSchedule);

internal sealed record HistoryResponse(IReadOnlyList<HistoryEntry> Entries);
