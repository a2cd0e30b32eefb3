using System.Diagnostics;
using Alle.Platform.Outbox;
using Microsoft.Extensions.Hosting;

namespace Alle.UnitTests.Foundation;

public sealed class OutboxTracingTests : IDisposable
{
    private readonly ActivityListener _listener = new()
    {
        ShouldListenTo = source => source.Name == OutboxTracing.ActivitySourceName,
        Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
    };

    public OutboxTracingTests() => ActivitySource.AddActivityListener(_listener);

    public void Dispose() => _listener.Dispose();

    private static string TraceParent(int n) => $"00-{n:x32}-{n:x16}-01";

    [Fact]
    public void A_row_is_relayed_as_a_child_of_the_work_that_wrote_it()
    {
        using var activity = OutboxTracing.StartRelay("outbox EventsIngested", TraceParent(1));

        Assert.NotNull(activity);
        Assert.Equal(TraceParent(1), activity.ParentId);
        Assert.Equal(ActivityTraceId.CreateFromString($"{1:x32}"), activity.TraceId);
        Assert.Empty(activity.Links);
    }

    [Fact]
    public void A_message_carrying_several_rows_continues_the_first_trace_and_links_the_others_once()
    {
        using var activity = OutboxTracing.StartRelay("outbox tracking calls", [null, TraceParent(1), TraceParent(2), TraceParent(1), "not a traceparent", TraceParent(2), TraceParent(3)]);

        Assert.NotNull(activity);
        Assert.Equal(TraceParent(1), activity.ParentId);
        Assert.Equal([$"{2:x16}", $"{3:x16}"], activity.Links.Select(link => link.Context.SpanId.ToHexString()));
    }

    [Fact]
    public void Rows_written_outside_any_trace_start_no_activity()
    {
        Assert.Null(OutboxTracing.StartRelay("outbox ProfileUpdated", (string?)null));
        Assert.Null(OutboxTracing.StartRelay("outbox ProfileUpdated", ["", "garbage"]));
    }

    [Fact]
    public void The_trace_to_store_is_the_current_activitys_in_w3c_form()
    {
        Assert.Null(OutboxTracing.CurrentTraceParent);

        using var current = new Activity("request").SetIdFormat(ActivityIdFormat.W3C).Start();

        Assert.Equal(current.Id, OutboxTracing.CurrentTraceParent);
        Assert.Matches("^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$", OutboxTracing.CurrentTraceParent);
    }
}
