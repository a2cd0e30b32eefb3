using System.Diagnostics;
using Microsoft.Extensions.Hosting;

namespace Alle.Platform.Outbox;

/// <summary>
/// Carries a trace across an outbox. A row keeps the W3C <c>traceparent</c> of the activity that wrote it; the relay,
/// which publishes later and outside that request, publishes inside an activity whose parent is that context, so the
/// bus (or the HTTP call) propagates it and consumers continue the same trace.
/// </summary>
public static class OutboxTracing
{
    public const string ActivitySourceName = "Alle.Outbox";

    private static readonly ActivitySource s_source = new(ActivitySourceName);

    /// <summary>The <c>traceparent</c> to store with a row written now; null outside a trace.</summary>
    public static string? CurrentTraceParent =>
        Activity.Current is { IdFormat: ActivityIdFormat.W3C } activity ? activity.Id : null;

    /// <summary>Starts the activity one row is relayed in; null when the row carries no trace or nothing listens.</summary>
    public static Activity? StartRelay(string name, string? traceParent) => StartRelay(name, [traceParent]);

    /// <summary>
    /// Starts the activity one message is relayed in when it carries several rows (a batch of tracking calls, coalesced
    /// updates): its parent is the first row's trace, and the other rows' traces are links.
    /// </summary>
    public static Activity? StartRelay(string name, IEnumerable<string?> traceParents)
    {
        ActivityContext parent = default;
        var linked = new HashSet<ActivityContext>();
        foreach (var traceParent in traceParents)
        {
            if (!ActivityContext.TryParse(traceParent, null, isRemote: true, out var context))
            {
                continue;
            }
            if (parent == default)
            {
                parent = context;
            }
            else if (context != parent)
            {
                linked.Add(context);
            }
        }
        return parent == default
            ? null
            : s_source.StartActivity(name, ActivityKind.Internal, parent, links: linked.Select(context => new ActivityLink(context)));
    }
}
