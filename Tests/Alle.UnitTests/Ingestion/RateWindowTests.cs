using Alle.Ingestion.RateLimiting;

namespace Alle.UnitTests.Ingestion;

public sealed class RateWindowTests
{
    private const long Second = 1_800_000_000;

    [Fact]
    public void Events_pass_up_to_the_limit_and_the_next_ones_are_refused_within_the_second()
    {
        var window = new RateWindow();

        Assert.True(window.TryTake(Second, limit: 5, events: 3));
        Assert.True(window.TryTake(Second, limit: 5, events: 2));
        Assert.False(window.TryTake(Second, limit: 5, events: 1));
        Assert.Equal(5, window.Known);
    }

    [Fact]
    public void A_batch_larger_than_the_limit_passes_when_the_second_is_empty_so_it_is_never_refused_forever()
    {
        var window = new RateWindow();

        Assert.True(window.TryTake(Second, limit: 5, events: 50));
        Assert.False(window.TryTake(Second, limit: 5, events: 1));
    }

    [Fact]
    public void A_new_second_starts_from_nothing()
    {
        var window = new RateWindow();
        window.TryTake(Second, limit: 5, events: 5);

        Assert.True(window.TryTake(Second + 1, limit: 5, events: 5));
        Assert.Equal(5, window.Known);
    }

    [Fact]
    public void What_other_replicas_reported_counts_once_redis_answers()
    {
        var window = new RateWindow();
        window.TryTake(Second, limit: 10, events: 2);

        var reported = window.BeginReport(Second);
        window.EndReport(Second, shared: 9); // 2 of ours, 7 from the other replicas

        Assert.Equal(2, reported);
        Assert.Equal(9, window.Known);
        Assert.True(window.TryTake(Second, limit: 10, events: 1));
        Assert.False(window.TryTake(Second, limit: 10, events: 1));
    }

    [Fact]
    public void Events_let_through_while_a_report_is_on_its_way_go_in_the_next_report_and_are_never_counted_twice()
    {
        var window = new RateWindow();
        window.TryTake(Second, limit: 100, events: 3);
        Assert.Equal(3, window.BeginReport(Second));

        window.TryTake(Second, limit: 100, events: 4);
        Assert.Equal(0, window.BeginReport(Second));
        Assert.Equal(7, window.Known);

        window.EndReport(Second, shared: 3);
        Assert.Equal(7, window.Known);
        Assert.Equal(4, window.BeginReport(Second));
        window.EndReport(Second, shared: 7);
        Assert.Equal(7, window.Known);
        Assert.Equal(0, window.BeginReport(Second));
    }

    [Fact]
    public void Without_an_answer_from_redis_the_reported_events_stay_counted_here()
    {
        var window = new RateWindow();
        window.TryTake(Second, limit: 5, events: 4);
        window.BeginReport(Second);

        window.EndReport(Second, shared: null);

        Assert.Equal(4, window.Known);
        Assert.False(window.TryTake(Second, limit: 5, events: 2));
    }

    [Fact]
    public void An_answer_about_a_past_second_changes_nothing()
    {
        var window = new RateWindow();
        window.TryTake(Second, limit: 100, events: 4);
        window.BeginReport(Second);
        window.TryTake(Second + 1, limit: 100, events: 1);

        window.EndReport(Second, shared: 90);

        Assert.Equal(1, window.Known);
        Assert.Equal(1, window.BeginReport(Second + 1));
    }
}
