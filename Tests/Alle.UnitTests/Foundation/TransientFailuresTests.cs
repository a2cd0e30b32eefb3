using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Npgsql;
using StackExchange.Redis;

namespace Alle.UnitTests.Foundation;

/// <summary>
/// Which consumer failures the event bus waits out with the message held (a dependency away) and which send the message
/// to its <c>_error</c> queue after a few retries (something wrong with the message itself).
/// </summary>
public sealed class TransientFailuresTests
{
#pragma warning disable CS0618 // The constructor StackExchange.Redis itself throws with when no connection is available.
    public static TheoryData<string, Exception> Away => new()
    {
        { "PostgreSQL restarting", new PostgresException("the database system is not yet accepting connections", "FATAL", "FATAL", "57P03") },
        { "PostgreSQL shutting down", new PostgresException("terminating connection due to administrator command", "FATAL", "FATAL", "57P01") },
        { "PostgreSQL unreachable", new NpgsqlException("Failed to connect", new SocketException((int)SocketError.ConnectionRefused)) },
        { "a service down", new HttpRequestException("Connection refused", new SocketException((int)SocketError.ConnectionRefused)) },
        { "a service failing", new HttpRequestException("Response status code does not indicate success: 503", null, HttpStatusCode.ServiceUnavailable) },
        { "Redis gone", new RedisConnectionException(ConnectionFailureType.UnableToConnect, "No connection is available") },
        { "wrapped", new InvalidOperationException("Could not resolve the profile", new TimeoutException()) },
        { "one of several", new AggregateException(new ArgumentException("bad"), new TimeoutException()) },
    };
#pragma warning restore CS0618

    public static TheoryData<string, Exception> Wrong => new()
    {
        { "a unique violation", new PostgresException("duplicate key value violates unique constraint", "ERROR", "ERROR", "23505") },
        { "a bad column", new PostgresException("column \"x\" does not exist", "ERROR", "ERROR", "42703") },
        { "a refusal", new HttpRequestException("Response status code does not indicate success: 400", null, HttpStatusCode.BadRequest) },
        { "a bug", new NullReferenceException() },
        { "a bug in a service", new HttpRequestException("Response status code does not indicate success: 500", null, HttpStatusCode.InternalServerError) },
        { "bad data", new FormatException("not a number") },
    };

    [Theory]
    [MemberData(nameof(Away))]
    public void A_dependency_that_is_away_is_waited_out(string _, Exception failure) => Assert.True(TransientFailures.IsTransient(failure));

    [Theory]
    [MemberData(nameof(Wrong))]
    public void A_failure_of_the_message_itself_is_not(string _, Exception failure) => Assert.False(TransientFailures.IsTransient(failure));

    [Fact]
    public void Pauses_double_to_the_cap_and_add_up_to_the_whole_wait()
    {
        var pauses = TransientFailures.Pauses(TimeSpan.FromSeconds(10), TimeSpan.FromDays(1));

        Assert.Equal([0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 10, 10], pauses.Take(8).Select(p => p.TotalSeconds));
        Assert.All(pauses.Skip(6), pause => Assert.Equal(TimeSpan.FromSeconds(10), pause));
        var total = pauses.Aggregate(TimeSpan.Zero, (sum, pause) => sum + pause);
        Assert.InRange(total, TimeSpan.FromDays(1), TimeSpan.FromDays(1) + TimeSpan.FromSeconds(10));
    }
}
