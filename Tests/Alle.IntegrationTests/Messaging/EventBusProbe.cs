using System.Collections.Concurrent;
using MassTransit;

namespace Alle.IntegrationTests.Messaging;

/// <summary>
/// A MassTransit bus on the application's RabbitMQ, standing in for the other services: it publishes their integration
/// events (an audience entry, an enrolment, a deletion) and records what messaging publishes.
/// </summary>
internal sealed class EventBusProbe : IAsyncDisposable
{
    private readonly IBusControl _bus;
    private readonly ConcurrentQueue<object> _received = new();

    private EventBusProbe(IBusControl bus) => _bus = bus;

    public static async Task<EventBusProbe> StartAsync(DistributedAppFixture app, params Type[] listenFor)
    {
        EventBusProbe? probe = null;
        var address = new Uri(app.ConnectionString("eventbus"));
        var bus = Bus.Factory.CreateUsingRabbitMq(rabbit =>
        {
            rabbit.Host(address, host =>
            {
                var credentials = address.UserInfo.Split(':', 2);
                host.Username(Uri.UnescapeDataString(credentials[0]));
                host.Password(Uri.UnescapeDataString(credentials[1]));
            });
            if (listenFor.Length > 0)
            {
                rabbit.ReceiveEndpoint($"messaging-tests-{Guid.NewGuid():N}", endpoint =>
                {
                    endpoint.AutoDelete = true;
                    endpoint.Durable = false;
                    // One at a time, so what is recorded is in the order it was published.
                    endpoint.PrefetchCount = 1;
                    endpoint.ConcurrentMessageLimit = 1;
                    foreach (var type in listenFor)
                    {
                        typeof(EventBusProbe).GetMethod(nameof(Listen), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
                            .MakeGenericMethod(type).Invoke(null, [endpoint, (Action<object>)(message => probe!._received.Enqueue(message))]);
                    }
                });
            }
        });
        probe = new EventBusProbe(bus);
        await bus.StartAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        return probe;
    }

    private static void Listen<T>(IRabbitMqReceiveEndpointConfigurator endpoint, Action<object> record) where T : class =>
        endpoint.Handler<T>(context =>
        {
            record(context.Message);
            return Task.CompletedTask;
        });

    public Task PublishAsync<T>(T message) where T : class => _bus.Publish(message);

    public IEnumerable<T> Received<T>() => _received.OfType<T>();

    public ValueTask DisposeAsync() => new(_bus.StopAsync());
}
