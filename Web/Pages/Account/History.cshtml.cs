using Alle.Web.Authentication;
using Alle.Web.Services;
using Alle.Web.Services.Loyalty;
using Alle.Web.Services.Messaging;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Alle.Web.Pages.Account;

/// <summary>
/// Everything that happened on her account: points, purchases, check-ins, coupons received and used, and her
/// text-message consent changes (from Messaging's audit trail for her own number, which comes from her member record).
/// </summary>
public sealed class HistoryModel(LoyaltyService loyalty, MessagingAdminService messaging, MemberTimeZone timeZone, ILogger<HistoryModel> logger) : PageModel
{
    public IReadOnlyList<LedgerEntry> Ledger { get; private set; } = [];

    public IReadOnlyList<LedgerEntry> Purchases { get; private set; } = [];

    public IReadOnlyList<Coupon> Received { get; private set; } = [];

    public IReadOnlyList<Coupon> Used { get; private set; } = [];

    public IReadOnlyList<CheckInRecord> CheckIns { get; private set; } = [];

    public IReadOnlyList<ConsentAuditEntry> ConsentChanges { get; private set; } = [];

    public TimeZoneInfo Zone { get; private set; } = TimeZoneInfo.Utc;

    public string When(DateTimeOffset time) => MemberTimeZone.Format(time, Zone, "MMM d, yyyy h:mm tt");

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var ledger = loyalty.GetHistoryAsync(200, cancellationToken);
        var coupons = loyalty.GetCouponsAsync(cancellationToken);
        var checkIns = loyalty.GetCheckInsAsync(100, cancellationToken);
        var member = loyalty.GetMemberAsync(cancellationToken);
        var zone = timeZone.GetAsync(cancellationToken);
        await Task.WhenAll(ledger, coupons, checkIns, member, zone);
        Zone = zone.Result;
        Ledger = ledger.Result;
        Purchases = [.. Ledger.Where(e => e.Kind == "earn" && e.PurchaseId is not null)];
        Received = [.. coupons.Result.OrderByDescending(c => c.IssuedAt)];
        Used = [.. coupons.Result.Where(c => c.RedeemedAt is not null).OrderByDescending(c => c.RedeemedAt)];
        CheckIns = checkIns.Result;
        try
        {
            ConsentChanges = (await messaging.GetConsentAsync(member.Result.Phone, cancellationToken)).Audit;
        }
        catch (Exception exception) when (exception is ServiceProblem or HttpRequestException)
        {
            logger.LogInformation("Consent history unavailable for member {MemberId}", member.Result.MemberId);
        }
    }

    public static string DescribeSource(string source) => source switch
    {
        _ when source.StartsWith("enrolment", StringComparison.Ordinal) => "when you joined",
        "portal" => "in your preferences",
        "keyword" or "sms" => "by text",
        "carrier" => "by your carrier",
        _ when source.StartsWith("inbound", StringComparison.Ordinal) => "by text",
        _ => source,
    };
}
