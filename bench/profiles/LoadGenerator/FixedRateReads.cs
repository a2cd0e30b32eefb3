using System.Diagnostics;
using Alle.Bench;

/// <summary>GETs at a fixed rate on the shared open-loop schedule; latency from each request's due time.</summary>
internal static class FixedRateReads
{
    public static async Task<Latencies> RunAsync(HttpClient client, Func<int, string> path, int rate, TimeSpan duration)
    {
        var total = (int)(rate * duration.TotalSeconds);
        var samples = new double[total];
        var errors = 0;
        var late = await OpenLoop.RunAsync(total, rate, async (index, due) =>
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
        });
        return new Latencies(samples, late, errors);
    }
}

internal sealed record Latencies(double[] Samples, double[] Late, int Errors)
{
    public int Count => Samples.Length;

    public double Percentile(double p) => Percentiles.Of(Samples, p);

    public double LatePercentile(double p) => Percentiles.Of(Late, p);
}
