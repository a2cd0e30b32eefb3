using Alle.AppHost.Supervision;
using Aspire.Hosting.ApplicationModel;

namespace Alle.UnitTests.Foundation;

public sealed class CrashWatchTests
{
    private static readonly DateTimeOffset s_start = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_replica_that_exits_on_its_own_is_restarted_more_slowly_each_time_up_to_thirty_seconds()
    {
        var watch = new CrashWatch();
        var delays = new List<TimeSpan?>();
        for (var crash = 0; crash < 7; crash++)
        {
            var at = s_start.AddSeconds(crash * 5);
            watch.Observe(KnownResourceStates.Starting, at);
            watch.Observe(KnownResourceStates.Running, at);
            delays.Add(watch.Observe(KnownResourceStates.Finished, at.AddSeconds(2)));
        }

        Assert.Equal([1, 2, 4, 8, 16, 30, 30], delays.Select(d => d!.Value.TotalSeconds));
        Assert.Equal(7, watch.Restarts);
    }

    [Fact]
    public void A_stop_that_was_asked_for_is_not_a_crash()
    {
        var watch = new CrashWatch();
        watch.Observe(KnownResourceStates.Running, s_start);

        Assert.Null(watch.Observe(KnownResourceStates.Stopping, s_start.AddSeconds(1)));
        Assert.Null(watch.Observe(KnownResourceStates.Finished, s_start.AddSeconds(2)));
        Assert.Equal(0, watch.Restarts);

        // Started again by hand, then crashing: a crash again.
        watch.Observe(KnownResourceStates.Starting, s_start.AddSeconds(3));
        watch.Observe(KnownResourceStates.Running, s_start.AddSeconds(4));
        Assert.Equal(TimeSpan.FromSeconds(1), watch.Observe(KnownResourceStates.Exited, s_start.AddSeconds(5)));
    }

    [Fact]
    public void A_replica_that_ran_for_a_minute_starts_again_from_the_shortest_delay()
    {
        var watch = new CrashWatch();
        foreach (var crash in Enumerable.Range(0, 4))
        {
            watch.Observe(KnownResourceStates.Running, s_start.AddSeconds(crash * 10));
            watch.Observe(KnownResourceStates.Finished, s_start.AddSeconds(crash * 10 + 1));
        }

        watch.Observe(KnownResourceStates.Running, s_start.AddMinutes(5));
        var afterALongRun = watch.Observe(KnownResourceStates.Finished, s_start.AddMinutes(6));

        Assert.Equal(CrashWatch.FirstDelay, afterALongRun);
    }

    [Fact]
    public void A_restart_that_fails_to_start_is_tried_again_but_a_first_start_that_fails_is_left_to_the_developer()
    {
        var restarted = new CrashWatch();
        restarted.Observe(KnownResourceStates.Running, s_start);
        restarted.Observe(KnownResourceStates.Finished, s_start.AddSeconds(1));
        restarted.Observe(KnownResourceStates.Starting, s_start.AddSeconds(2));

        Assert.Equal(TimeSpan.FromSeconds(2), restarted.Observe(KnownResourceStates.FailedToStart, s_start.AddSeconds(3)));

        var neverRan = new CrashWatch();
        neverRan.Observe(KnownResourceStates.Starting, s_start);
        Assert.Null(neverRan.Observe(KnownResourceStates.FailedToStart, s_start.AddSeconds(1)));
    }
}
