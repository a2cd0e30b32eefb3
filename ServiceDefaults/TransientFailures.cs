using System.Net;
using System.Net.Sockets;
using Npgsql;
using Polly.CircuitBreaker;
using Polly.Timeout;
using StackExchange.Redis;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Failures that say a dependency is away for now (its database restarting, a service being restarted, Redis gone)
/// rather than that something is wrong with the work itself: the same work succeeds once the dependency is back.
/// </summary>
public static class TransientFailures
{
    public static bool IsTransient(Exception exception) => exception switch
    {
        AggregateException aggregate => aggregate.InnerExceptions.Any(IsTransient),
        NpgsqlException { IsTransient: true } => true,
        // No answer, or one saying "not now"; a 500 is a bug that retrying for a day would only hide.
        HttpRequestException { StatusCode: null or HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable
            or HttpStatusCode.GatewayTimeout } => true,
        BrokenCircuitException or TimeoutRejectedException => true,
        RedisConnectionException or RedisTimeoutException => true,
        SocketException or TimeoutException => true,
        _ => exception.InnerException is { } inner && IsTransient(inner),
    };

    /// <summary>Pauses of 200 ms doubling to <paramref name="cap"/>, as many as it takes to wait <paramref name="total"/>.</summary>
    public static TimeSpan[] Pauses(TimeSpan cap, TimeSpan total)
    {
        var pauses = new List<TimeSpan>();
        var waited = TimeSpan.Zero;
        for (var pause = TimeSpan.FromMilliseconds(200); waited < total; pause = pause * 2 < cap ? pause * 2 : cap)
        {
            pauses.Add(pause);
            waited += pause;
        }
        return [.. pauses];
    }
}
