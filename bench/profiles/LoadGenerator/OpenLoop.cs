using System.Diagnostics;
using System.Runtime.InteropServices;

/// <summary>
/// Open-loop load at a fixed rate: request i is due at start + i / rate whatever earlier requests do, and its latency
/// counts from when it was due, so a slow response cannot hide the requests behind it (no coordinated omission).
/// Requests are sent from one dedicated thread that sleeps until each due time on the monotonic clock. A timer on the
/// thread pool (Task.Delay) wakes up to a millisecond or more late on two busy cores, and since latency counts from
/// the due time that lateness would be charged to the server. <see cref="Latencies.Late"/> reports how late sends
/// actually left, so a reader can see the schedule was kept.
/// </summary>
internal static class OpenLoop
{
    public static async Task<Latencies> RunAsync(HttpClient client, Func<int, string> path, int rate, TimeSpan duration)
    {
        var total = (int)(rate * duration.TotalSeconds);
        var samples = new double[total];
        var late = new double[total];
        var errors = 0;
        var pending = new Task[total];
        var interval = Stopwatch.Frequency / (double)rate;
        var start = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 100;
        var allSent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var sender = new Thread(() =>
        {
            for (var i = 0; i < total; i++)
            {
                var due = start + (long)(i * interval);
                SleepUntil(due);
                late[i] = Stopwatch.GetElapsedTime(due).TotalMilliseconds;
                pending[i] = SendAsync(i, due);
            }
            allSent.SetResult();
        }) { IsBackground = true, Name = "open-loop sender" };
        sender.Start();
        await allSent.Task;
        await Task.WhenAll(pending);
        return new Latencies(samples, late, errors);

        async Task SendAsync(int index, long due)
        {
            try
            {
                using var response = await client.GetAsync(path(index));
                await response.Content.ReadAsByteArrayAsync();
                if (!response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref errors);
                }
            }
            catch (HttpRequestException)
            {
                Interlocked.Increment(ref errors);
            }
            samples[index] = Stopwatch.GetElapsedTime(due).TotalMilliseconds;
        }
    }

    // Stopwatch reads CLOCK_MONOTONIC on Linux; sleeping to an absolute time on that clock wakes within tens of
    // microseconds without spinning (spinning would take a core from the server being measured).
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

internal sealed record Latencies(double[] Samples, double[] Late, int Errors)
{
    public int Count => Samples.Length;

    public double Percentile(double p) => Percentile(Samples, p);

    public double LatePercentile(double p) => Percentile(Late, p);

    private static double Percentile(double[] values, double p)
    {
        var sorted = values.Order().ToArray();
        return sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
    }
}
