using System.Text.Json;

namespace Alle.Ingestion.TrackingPlans;

/// <summary>How a tracking plan treats unplanned events or schema violations.</summary>
internal enum PlanMode
{
    /// <summary>Forward, record nothing.</summary>
    Allow,

    /// <summary>Forward and record the violation.</summary>
    Flag,

    /// <summary>Do not forward; keep the event aside with the violation.</summary>
    Block,
}

/// <summary>
/// An event that broke its source's tracking plan. <see cref="EventKey"/> is the event name for track calls and the call
/// type otherwise (identify); <see cref="Kind"/> is <c>unplanned</c> or <c>schema</c>.
/// </summary>
internal sealed record PlanViolation(
    string EventKey,
    string MessageId,
    string Kind,
    IReadOnlyList<string> Errors,
    PlanMode Action,
    string? UserId,
    string? AnonymousId,
    JsonElement? Payload);
