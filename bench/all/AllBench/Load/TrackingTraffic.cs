using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Alle.Bench.All.Load;

/// <summary>
/// Segment-shaped track calls through the gateway on the shared open-loop schedule: single <c>/v1/track</c> calls or
/// <c>/v1/batch</c> calls of several events. Message ids start with the run's prefix; users are spread over
/// <see cref="Users"/> ids of the run, so profiles are updated rather than only created.
/// </summary>
internal sealed class TrackingTraffic(Uri gateway, string writeKey, string runId, int connections = 128) : IDisposable
{
    public const int Users = 20_000;
    public const string EventName = "Provider Searched";

    private readonly HttpClient _client = new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = connections,
        PooledConnectionLifetime = TimeSpan.FromMinutes(10),
        AutomaticDecompression = DecompressionMethods.None,
    })
    {
        BaseAddress = gateway,
        Timeout = TimeSpan.FromSeconds(30),
        DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{writeKey}:"))) },
    };
    private long _sequence;

    public string RunId => runId;

    /// <summary>
    /// Sends <paramref name="eventsPerSecond"/> events a second for <paramref name="duration"/> (or until
    /// <paramref name="stop"/>), <paramref name="batchSize"/> per call (1: single <c>/v1/track</c> calls).
    /// </summary>
    public async Task<TrafficResult> RunAsync(int eventsPerSecond, int batchSize, TimeSpan duration, CancellationToken stop = default)
    {
        var callsPerSecond = Math.Max(1, eventsPerSecond / batchSize);
        var total = checked((int)(callsPerSecond * duration.TotalSeconds));
        var latencies = new double[total];
        var succeeded = new bool[total];
        var failures = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();
        await OpenLoop.RunAsync(total, callsPerSecond, async (i, due) =>
        {
            using var content = batchSize == 1 ? Track() : Batch(batchSize);
            try
            {
                using var response = await _client.PostAsync(batchSize == 1 ? "/v1/track" : "/v1/batch", content);
                latencies[i] = Stopwatch.GetElapsedTime(due).TotalMilliseconds;
                if (response.IsSuccessStatusCode)
                {
                    succeeded[i] = true;
                }
                else
                {
                    failures.AddOrUpdate(((int)response.StatusCode).ToString(CultureInfo.InvariantCulture), 1, (_, n) => n + 1);
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                latencies[i] = Stopwatch.GetElapsedTime(due).TotalMilliseconds;
                failures.AddOrUpdate(exception.GetType().Name, 1, (_, n) => n + 1);
            }
        }, stop);
        var sent = latencies.Count(l => l > 0);
        var accepted = succeeded.Count(s => s);
        return new TrafficResult(sent, accepted, (long)accepted * batchSize, clock.Elapsed,
            [.. latencies.Where((_, i) => succeeded[i])], failures.ToDictionary(StringComparer.Ordinal));
    }

    /// <summary>Sends calls until <paramref name="count"/> succeed (JIT, connection pools), waiting out 503s and 429s.</summary>
    public async Task WarmUpAsync(int count)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        for (var succeeded = 0; succeeded < count;)
        {
            using var content = Track();
            using var response = await _client.PostAsync("/v1/track", content);
            if (response.IsSuccessStatusCode)
            {
                succeeded++;
            }
            else if (DateTime.UtcNow > deadline)
            {
                response.EnsureSuccessStatusCode();
            }
            else
            {
                await Task.Delay(TimeSpan.FromSeconds(1));
            }
        }
    }

    private ByteArrayContent Batch(int size)
    {
        var body = new StringBuilder(size * 330);
        body.Append("{\"batch\":[");
        for (var i = 0; i < size; i++)
        {
            if (i > 0)
            {
                body.Append(',');
            }
            AppendTrack(body);
        }
        body.Append("]}");
        return Json(body);
    }

    private ByteArrayContent Track() => Json(AppendTrack(new StringBuilder(400)));

    private StringBuilder AppendTrack(StringBuilder body)
    {
        var n = Interlocked.Increment(ref _sequence);
        return body
            .Append("{\"type\":\"track\",\"messageId\":\"").Append(runId).Append(n.ToString(CultureInfo.InvariantCulture))
            .Append("\",\"userId\":\"").Append(runId).Append("user-").Append((n % Users).ToString(CultureInfo.InvariantCulture))
            .Append("\",\"event\":\"").Append(EventName).Append("\",\"properties\":{\"zip\":\"10001\",\"radius\":25,\"specialty\":\"injectables\"},")
            .Append("\"context\":{\"library\":{\"name\":\"alle-bench\",\"version\":\"1.0\"},\"locale\":\"en-US\"},")
            .Append("\"timestamp\":\"").Append(DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture)).Append("\"}");
    }

    private static ByteArrayContent Json(StringBuilder body)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body.ToString()));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    public void Dispose() => _client.Dispose();
}

/// <summary>What a run of <see cref="TrackingTraffic"/> did: calls sent and accepted, events accepted, latencies (ms, from each call's due time) of the accepted calls.</summary>
internal sealed record TrafficResult(int Calls, int AcceptedCalls, long AcceptedEvents, TimeSpan Elapsed, double[] Latencies, Dictionary<string, long> Failures)
{
    public long Failed => Failures.Values.Sum();

    public long Unavailable => Failures.GetValueOrDefault("503");

    public string FailureSummary => Failed == 0 ? "none" : string.Join(", ", Failures.Select(f => $"{f.Key}: {f.Value:N0}"));
}
