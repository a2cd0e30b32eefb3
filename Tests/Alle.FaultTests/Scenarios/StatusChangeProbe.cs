using System.Collections.Concurrent;
using Alle.Contracts;
using MassTransit;

namespace Alle.FaultTests.Scenarios;

/// <summary>
/// A consumer of Messaging's <see cref="MessageStatusChanged"/> on the application's RabbitMQ, standing in for the
/// services that react to it. Its queue is durable, so what is published while its connection is down (a broker
/// restart) waits for it. A fact counts once per bus message id: a redelivery under the same id is what consumers
/// deduplicate; the same fact under two ids would be a duplicate.
/// </summary>
public sealed class StatusChangeProbe : IAsyncDisposable
{
    private readonly IBusControl _bus;
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Guid, byte>> _received = new(StringComparer.Ordinal);

    private StatusChangeProbe(DistributedAppFixture app, string queue)
    {
        var address = new Uri(app.ConnectionString("eventbus"));
        _bus = Bus.Factory.CreateUsingRabbitMq(rabbit =>
        {
            rabbit.Host(address, host =>
            {
                var credentials = address.UserInfo.Split(':', 2);
                host.Username(Uri.UnescapeDataString(credentials[0]));
                host.Password(Uri.UnescapeDataString(credentials[1]));
            });
            rabbit.ReceiveEndpoint(queue, endpoint =>
            {
                endpoint.Durable = true;
                endpoint.AutoDelete = false;
                endpoint.Handler<MessageStatusChanged>(context =>
                {
                    _received.GetOrAdd(FactId(context.Message), _ => new()).TryAdd(context.MessageId ?? Guid.Empty, 0);
                    return Task.CompletedTask;
                });
            });
        });
    }

    public static async Task<StatusChangeProbe> StartAsync(DistributedAppFixture app)
    {
        var probe = new StatusChangeProbe(app, $"fault-tests-status-{Guid.NewGuid():N}");
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await probe._bus.StartAsync(deadline.Token);
        return probe;
    }

    /// <summary>The fact's id as Messaging's outbox names it: one per message and status.</summary>
    public static string FactId(MessageStatusChanged change) => $"messaging-status-{change.MessageId:N}-{change.Status}";

    /// <summary>Distinct bus messages seen per fact id, for every fact about one of <paramref name="messageIds"/>.</summary>
    public Dictionary<string, long> ReceivedAbout(IReadOnlyCollection<Guid> messageIds)
    {
        var prefixes = messageIds.Select(id => $"messaging-status-{id:N}-").ToList();
        return _received.Where(r => prefixes.Any(p => r.Key.StartsWith(p, StringComparison.Ordinal)))
            .ToDictionary(r => r.Key, r => (long)r.Value.Count, StringComparer.Ordinal);
    }

    public ValueTask DisposeAsync() => new(_bus.StopAsync());
}
