using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Alle.Bench;

/// <summary>
/// Open-loop load at a fixed rate, shared by the benchmarks' load generators: call <c>i</c> is due at start + i / rate
/// whatever earlier calls do, and the caller measures latency from that due time, so a slow response cannot hide the
/// requests behind it (no coordinated omission). Calls start from one dedicated thread that sleeps until each due time
/// on the monotonic clock. A timer on the thread pool (<c>Task.Delay</c>) wakes a millisecond or more late on two busy
/// cores, and spinning instead takes a core from the server being measured; either way the generator's own delay would
/// be charged to the server.
/// </summary>
internal static class OpenLoop
{
    /// <summary>
    /// Starts <paramref name="send"/>(i, due timestamp) on schedule; answers how late each call started, in ms. Once
    /// <paramref name="cancellationToken"/> is cancelled no further call starts (their lateness stays zero).
    /// </summary>
    public static async Task<double[]> RunAsync(int total, int rate, Func<int, long, Task> send, CancellationToken cancellationToken = default)
    {
        var late = new double[total];
        var pending = new Task[total];
        var interval = Stopwatch.Frequency / (double)rate;
        var start = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 100;
        var allStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sender = new Thread(() =>
        {
            for (var i = 0; i < total && !cancellationToken.IsCancellationRequested; i++)
            {
                var due = start + (long)(i * interval);
                SleepUntil(due);
                late[i] = Stopwatch.GetElapsedTime(due).TotalMilliseconds;
                pending[i] = send(i, due);
            }
            allStarted.SetResult();
        }) { IsBackground = true, Name = "open-loop sender" };
        sender.Start();
        await allStarted.Task;
        await Task.WhenAll(pending.Where(call => call is not null));
        return late;
    }

    // Stopwatch reads CLOCK_MONOTONIC on Linux; sleeping to an absolute time on that clock wakes within tens of
    // microseconds without spinning.
    private static void SleepUntil(long timestamp)
    {
        if (!OperatingSystem.IsLinux() || Stopwatch.Frequency != 1_000_000_000)
        {
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), timestamp);
            if (wait > TimeSpan.Zero)
            {
                Thread.Sleep(wait);
            }
            return;
        }
        var deadline = new Timespec { Seconds = timestamp / 1_000_000_000, Nanoseconds = timestamp % 1_000_000_000 };
        while (clock_nanosleep(ClockMonotonic, TimerAbsoluteTime, in deadline, IntPtr.Zero) == Interrupted)
        {
        }
    }

    private const int ClockMonotonic = 1;
    private const int TimerAbsoluteTime = 1;
    private const int Interrupted = 4;

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", SetLastError = false)]
    private static extern int clock_nanosleep(int clockId, int flags, in Timespec request, IntPtr remaining);
}

/// <summary>Percentiles of a set of samples (nearest rank).</summary>
internal static class Percentiles
{
    public static double Of(IEnumerable<double> samples, double p)
    {
        var sorted = samples.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, Math.Max(0, (int)Math.Ceiling(p * sorted.Length) - 1))];
    }
}
