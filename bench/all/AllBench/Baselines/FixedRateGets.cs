using System.Diagnostics;

namespace Alle.Bench.All.Baselines;

/// <summary>
/// GETs at a fixed rate on the shared open-loop schedule, latency from each request's due time. On Kestrel's
/// <c>/alive</c> (no authentication, no storage) it is the floor every latency figure of the run is set against.
/// </summary>
internal static class FixedRateGets
{
    public static async Task<Latencies> RunAsync(HttpClient client, Func<int, string> path, int rate, TimeSpan duration)
    {
        var total = (int)(rate * duration.TotalSeconds);
        var samples = new double[total];
        var errors = 0;
        await OpenLoop.RunAsync(total, rate, async (index, due) =>
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
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                Interlocked.Increment(ref errors);
            }
            samples[index] = Stopwatch.GetElapsedTime(due).TotalMilliseconds;
        });
        return new Latencies(samples, errors);
    }

    public static HttpClient Client(Uri baseAddress) => new(new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
    {
        BaseAddress = baseAddress,
        Timeout = TimeSpan.FromSeconds(30),
    };
}

internal sealed record Latencies(double[] Samples, int Errors)
{
    public double Percentile(double p) => Percentiles.Of(Samples, p);
}
